package io.callhook;

import org.springframework.test.context.TestPropertySource;

/** The digest on the embedded default's database. */
@TestPropertySource(properties = "spring.datasource.url=jdbc:h2:mem:digest;DB_CLOSE_DELAY=-1")
class DigestIT extends Digest {}

package io.callhook;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * callhook's version, as the build wrote it: {@code META-INF/build-info.properties} (spring-boot-maven-plugin's
 * build-info, also what {@code /actuator/info} and the console's footer show), else the jar's manifest.
 */
public final class Version {

    private static final String VERSION = read();

    private Version() {}

    public static String current() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("/META-INF/build-info.properties")) {
            if (in != null) {
                Properties info = new Properties();
                info.load(in);
                String version = info.getProperty("build.version");
                if (version != null && !version.isBlank()) {
                    return version;
                }
            }
        } catch (IOException e) {
            // the manifest's then
        }
        String version = Version.class.getPackage().getImplementationVersion();
        return version != null ? version : "unknown";
    }
}

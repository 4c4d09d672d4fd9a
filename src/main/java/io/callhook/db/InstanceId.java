package io.callhook.db;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The name this instance goes by in the shared database: the owner of its claims and of the events it took.
 * It stays the same across restarts of the same deployment, so a restarted instance knows that the claims
 * held under its name belong to its dead predecessor and takes them back at once, instead of waiting for
 * their lease to expire as other instances must.
 *
 * <p>{@code CALLHOOK_INSTANCE_ID} when set; otherwise the host name and the webhook port, which no two live
 * instances share (two listeners cannot bind one port on one host). A webhook port of 0 (any free port)
 * gives a fresh name at every start.
 */
@Component
public class InstanceId {

    static final int MAX_LENGTH = 100;
    private static final Logger log = LoggerFactory.getLogger(InstanceId.class);

    private final String id;

    public InstanceId(
            @Value("${callhook.instance-id:}") String configured, @Value("${callhook.webhook.port:8080}") int port) {
        this.id = configured.isBlank() ? derived(port) : configured.strip();
        if (id.length() > MAX_LENGTH || id.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(
                    "CALLHOOK_INSTANCE_ID must be at most " + MAX_LENGTH + " characters, without control characters");
        }
        log.info("Instance id: {}", id);
    }

    public String id() {
        return id;
    }

    @Override
    public String toString() {
        return id;
    }

    private static String derived(int port) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        String suffix = port == 0 ? UUID.randomUUID().toString().substring(0, 8) : Integer.toString(port);
        String name = host + ":" + suffix;
        return name.length() <= MAX_LENGTH ? name : name.substring(name.length() - MAX_LENGTH);
    }
}

package io.callhook.delivery;

/** The service's and the destinations' secrets (io.callhook.destination.Destinations knows them). */
public interface Secrets {

    /** The text with every secret replaced by {@code ****}. */
    String mask(String text);
}

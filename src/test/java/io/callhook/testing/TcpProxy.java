package io.callhook.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback in front of a server, which can make the connections open through it go silent
 * for good, as a network partition that drops packets or a failover to another host does: their bytes are
 * read and dropped in both directions, the sockets stay open, nothing is answered and nothing is closed.
 * Connections opened afterwards are forwarded as before (the "new host" answers).
 */
public final class TcpProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final int upstream;
    private final List<Link> links = new CopyOnWriteArrayList<>();

    public TcpProxy(int upstreamPort) throws IOException {
        this.upstream = upstreamPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "tcp-proxy-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Every connection open now goes silent, for good. Returns how many. */
    public int silenceOpenConnections() {
        links.forEach(link -> link.silent = true);
        return links.size();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), upstream);
                Link link = new Link(client, server);
                links.add(link);
                pump(link, client.getInputStream(), server.getOutputStream());
                pump(link, server.getInputStream(), client.getOutputStream());
            } catch (IOException e) {
                // the listener closed, or the upstream refused this one connection
            }
        }
    }

    private static void pump(Link link, InputStream from, OutputStream to) {
        Thread thread = new Thread(
                () -> {
                    byte[] buffer = new byte[8192];
                    try {
                        int read;
                        while ((read = from.read(buffer)) >= 0) {
                            if (!link.silent) {
                                to.write(buffer, 0, read);
                                to.flush();
                            }
                        }
                    } catch (IOException e) {
                        // one side closed
                    } finally {
                        if (!link.silent) {
                            link.close();
                        }
                    }
                },
                "tcp-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        links.forEach(Link::close);
    }

    private static final class Link {
        final Socket client;
        final Socket server;
        volatile boolean silent;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void close() {
            try {
                client.close();
                server.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}

package io.callhook.audit;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * What H2 has committed but may not have written to its file yet, appended to a journal before it is relied
 * on: an event's audit row and delivery rows before its webhook is answered 200, a send's verdict before the
 * next one goes. Each record is a map of named values with its kind ({@code _kind}: event, delivery,
 * unrouted, verdict; a record without one, from an earlier version, is an event). H2 writes its file in the background (every 500 ms), and writing it
 * through on every commit costs a new chunk of pages each time, which H2 then has to compact: measured, that
 * took more CPU than everything else at saturation. A journal append is one sequential write.
 *
 * <p>The journal is a folder of segments ({@code 00000000000000000001.journal}, …). The audit writer starts
 * a new segment about once a second, writes H2 through ({@code CHECKPOINT}) and then deletes the older
 * segments: whatever they held is in H2's file. After a crash, the rows of the segments left over are stored
 * again at start (the ones H2 has already are duplicates and skipped).
 *
 * <p>A record is {@code length, CRC-32, row}: a record cut short by a crash fails its check and ends the
 * segment's reading (replay says how many bytes it skipped). An append that fails part-way (disk full, an
 * I/O error) is cut off the segment again, or, when even that fails, the segment is closed and the next
 * append starts a new one: what a failed append left can never hide the records appended after it.
 *
 * <p>With {@code force}, each append is forced to the device before it returns (and a new segment's
 * directory entry with it): a power cut then loses nothing acknowledged. Without it, an append is in the
 * operating system's hands: a killed process loses nothing, a power cut can lose what the kernel had not
 * written back yet. Appends, seals and deletions are serialized (the audit writer and the senders' verdicts share it).
 */
final class AuditJournal implements AutoCloseable {

    /** Opens a segment for appending; a test's opener can fail the way a disk does. */
    @FunctionalInterface
    interface Segments {
        FileChannel create(Path segment) throws IOException;
    }

    /** What replay read: the rows, and what it had to skip (a record cut short, a failed append). */
    record Replay(List<Map<String, Object>> rows, List<String> skipped) {}

    private static final String SUFFIX = ".journal";
    private static final byte NULL = 0;
    private static final byte TEXT = 1;
    private static final byte INTEGER = 2;
    private static final byte BOOLEAN = 3;
    private static final byte DECIMAL = 4;
    private static final byte TIMESTAMP = 5;

    static final Segments FILES =
            path -> FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private final Path folder;
    private final boolean force;
    private final Segments files;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * 1024);
    private long segment;
    private FileChannel current;
    private long size;

    private AuditJournal(Path folder, boolean force, Segments files) {
        this.folder = folder;
        this.force = force;
        this.files = files;
    }

    /** Opens the journal in {@code folder} (created if missing) without starting a segment yet. */
    static AuditJournal open(Path folder) throws IOException {
        return open(folder, false, FILES);
    }

    /** The same, forcing every append to the device when {@code force} is set, segments opened by {@code files}. */
    static AuditJournal open(Path folder, boolean force, Segments files) throws IOException {
        Files.createDirectories(folder);
        AuditJournal journal = new AuditJournal(folder, force, files);
        List<Path> segments = journal.segments();
        journal.segment = segments.isEmpty() ? 0 : number(segments.get(segments.size() - 1));
        return journal;
    }

    Path folder() {
        return folder;
    }

    /** The rows of every segment on disk, oldest first: what a previous run may not have written to H2. */
    List<Map<String, Object>> rows() throws IOException {
        return replay().rows();
    }

    /** The rows of every segment on disk, oldest first, and what could not be read. */
    Replay replay() throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Path segment : segments()) {
            long length = Files.size(segment);
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(segment)))) {
                long read = readSegment(in, rows);
                if (read < length) {
                    skipped.add(segment.getFileName() + ": the last " + (length - read) + " byte(s), from offset "
                            + read + " (a record cut short)");
                }
            }
        }
        return new Replay(rows, skipped);
    }

    /**
     * Appends the rows in one write to the current segment (started if there is none). When this returns
     * the rows are in the operating system's hands (on the device, with {@code force}): a killed process does
     * not lose them. When it throws, the segment holds none of them.
     */
    synchronized void append(List<Map<String, Object>> rows) throws IOException {
        append(rows, force);
    }

    /**
     * The same, forced to the device only with {@code durable} (and the journal's {@code force}): what a power
     * cut may cost is then a record that only ever repeats work (a verdict: the message is sent again), never
     * an acknowledged event. The next forced append flushes it with its own.
     */
    synchronized void append(List<Map<String, Object>> rows, boolean durable) throws IOException {
        if (current == null) {
            startSegment();
        }
        buffer.reset();
        DataOutputStream out = new DataOutputStream(buffer);
        for (Map<String, Object> row : rows) {
            byte[] record = encode(row);
            CRC32 crc = new CRC32();
            crc.update(record);
            out.writeInt(record.length);
            out.writeInt((int) crc.getValue());
            out.write(record);
        }
        try {
            // one write of the buffer's own array, no copy
            buffer.writeTo(Channels.newOutputStream(current));
            if (force && durable) {
                current.force(false);
            }
        } catch (IOException e) {
            cutOff();
            throw e;
        }
        size += buffer.size();
    }

    /**
     * After a failed append: the segment is cut back to the records before it, or, when that fails too, closed
     * (the next append starts a new segment), so that whatever part of it was written ends only this
     * segment's reading, never hiding a later record.
     */
    private void cutOff() {
        try {
            current.truncate(size);
            current.position(size);
        } catch (IOException | RuntimeException e) {
            try {
                current.close();
            } catch (IOException ignored) {
                // the channel is dropped either way
            }
            current = null;
            size = 0;
        }
    }

    /** Bytes appended to the current segment (0 when none is open). */
    synchronized long size() {
        return size;
    }

    /**
     * Closes the current segment: the next append starts a new one. Returns the segments written so far, for
     * {@link #delete} once H2 has written their rows to its file.
     */
    synchronized List<Path> seal() throws IOException {
        closeCurrent();
        return segments();
    }

    /** Deletes sealed segments whose rows H2 has written to its file. */
    synchronized void delete(List<Path> sealed) throws IOException {
        for (Path path : sealed) {
            Files.deleteIfExists(path);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        closeCurrent();
    }

    private void startSegment() throws IOException {
        segment++;
        current = files.create(folder.resolve(String.format("%020d%s", segment, SUFFIX)));
        size = 0;
        if (force) {
            // the new file's name must reach the device too, or a power cut can lose the whole segment
            try (FileChannel directory = FileChannel.open(folder, StandardOpenOption.READ)) {
                directory.force(true);
            }
        }
    }

    private void closeCurrent() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
        size = 0;
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(SUFFIX))
                    .sorted()
                    .toList();
        }
    }

    private static long number(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
    }

    /**
     * The records of one segment, up to the end or to the first one a crash cut short. Returns how many bytes
     * of the segment it read as whole records.
     */
    private static long readSegment(DataInputStream in, List<Map<String, Object>> rows) throws IOException {
        long read = 0;
        while (true) {
            byte[] record;
            int checksum;
            try {
                int length = in.readInt();
                checksum = in.readInt();
                if (length <= 0 || length > 64 * 1024 * 1024) {
                    return read;
                }
                record = in.readNBytes(length);
                if (record.length < length) {
                    return read;
                }
            } catch (EOFException end) {
                return read;
            }
            CRC32 crc = new CRC32();
            crc.update(record);
            if ((int) crc.getValue() != checksum) {
                return read;
            }
            rows.add(decode(record));
            read += 8 + record.length;
        }
    }

    private static byte[] encode(Map<String, Object> row) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(2048);
        DataOutputStream out = new DataOutputStream(bytes);
        // by name, so a journal left by an earlier version still reads after a column is added
        out.writeShort(row.size());
        for (Map.Entry<String, Object> entry : row.entrySet()) {
            Object value = entry.getValue();
            out.writeUTF(entry.getKey());
            if (value == null) {
                out.writeByte(NULL);
            } else if (value instanceof String text) {
                out.writeByte(TEXT);
                writeText(out, text);
            } else if (value instanceof Integer number) {
                out.writeByte(INTEGER);
                out.writeInt(number);
            } else if (value instanceof Boolean flag) {
                out.writeByte(BOOLEAN);
                out.writeBoolean(flag);
            } else if (value instanceof BigDecimal decimal) {
                out.writeByte(DECIMAL);
                writeText(out, decimal.toString());
            } else if (value instanceof OffsetDateTime timestamp) {
                out.writeByte(TIMESTAMP);
                writeText(out, timestamp.toString());
            } else {
                throw new IOException("cannot journal " + entry.getKey() + " of type " + value.getClass());
            }
        }
        return bytes.toByteArray();
    }

    private static Map<String, Object> decode(byte[] record) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(record));
        int columns = in.readShort();
        Map<String, Object> row = new HashMap<>();
        for (int i = 0; i < columns; i++) {
            String parameter = in.readUTF();
            byte type = in.readByte();
            Object value = switch (type) {
                case NULL -> null;
                case TEXT -> readText(in);
                case INTEGER -> in.readInt();
                case BOOLEAN -> in.readBoolean();
                case DECIMAL -> new BigDecimal(readText(in));
                case TIMESTAMP -> OffsetDateTime.parse(readText(in));
                default -> throw new IOException("unknown journal value type " + type);
            };
            row.put(parameter, value);
        }
        return row;
    }

    private static void writeText(DataOutputStream out, String text) throws IOException {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readText(DataInputStream in) throws IOException {
        int length = in.readInt();
        byte[] utf8 = in.readNBytes(length);
        if (utf8.length < length) {
            throw new EOFException();
        }
        return new String(utf8, StandardCharsets.UTF_8);
    }
}

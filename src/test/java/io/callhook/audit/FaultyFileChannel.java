package io.callhook.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A real segment file whose writes fail the way a full or broken disk makes them fail: not at all, or after
 * writing part of the buffer. {@link #failWrites} and {@link #failPartWay} are set by the test.
 */
final class FaultyFileChannel extends FileChannel {

    /** The opener AuditJournal uses, handing out faulty channels that share one switchboard. */
    static final class Disk implements AuditJournal.Segments {
        volatile boolean failWrites;
        volatile boolean failPartWay;
        volatile boolean failTruncate;

        @Override
        public FileChannel create(Path segment) throws IOException {
            return new FaultyFileChannel(
                    FileChannel.open(segment, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), this);
        }
    }

    private final FileChannel file;
    private final Disk disk;

    private FaultyFileChannel(FileChannel file, Disk disk) {
        this.file = file;
        this.disk = disk;
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        if (disk.failPartWay) {
            disk.failPartWay = false;
            ByteBuffer half = source.duplicate();
            half.limit(half.position() + half.remaining() / 2);
            file.write(half);
            throw new IOException("No space left on device (after part of the write)");
        }
        if (disk.failWrites) {
            throw new IOException("No space left on device");
        }
        return file.write(source);
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        if (disk.failTruncate) {
            throw new IOException("Input/output error");
        }
        file.truncate(size);
        return this;
    }

    @Override
    public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public int read(ByteBuffer target) throws IOException {
        return file.read(target);
    }

    @Override
    public long read(ByteBuffer[] targets, int offset, int length) throws IOException {
        return file.read(targets, offset, length);
    }

    @Override
    public long position() throws IOException {
        return file.position();
    }

    @Override
    public FileChannel position(long position) throws IOException {
        file.position(position);
        return this;
    }

    @Override
    public long size() throws IOException {
        return file.size();
    }

    @Override
    public void force(boolean metaData) throws IOException {
        file.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return file.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel source, long position, long count) throws IOException {
        return file.transferFrom(source, position, count);
    }

    @Override
    public int read(ByteBuffer target, long position) throws IOException {
        return file.read(target, position);
    }

    @Override
    public int write(ByteBuffer source, long position) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return file.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return file.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return file.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        file.close();
    }
}

package io.cairn.tests.jepsen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A small real filesystem (ext4 in a loop-mounted image file) to put a node's data dir on, so a
 * test can fill it up and free it again: {@link #fill} leaves only a few bytes free with a balloon
 * file, {@link #release} deletes the balloon. Needs root (mount). Closing unmounts and deletes the
 * image; the mount point stays, empty.
 */
public final class SmallDisk implements AutoCloseable {
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  private final Path image;
  private final Path mountPoint;
  private boolean mounted;

  private SmallDisk(Path image, Path mountPoint) {
    this.image = image;
    this.mountPoint = mountPoint;
  }

  /** Whether this process may mount filesystems (runs as root). */
  public static boolean available() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Makes a {@code megabytes} MB ext4 image next to {@code mountPoint} and mounts it there. */
  public static SmallDisk mount(Path mountPoint, int megabytes) {
    try {
      Files.createDirectories(mountPoint);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path image = mountPoint.resolveSibling(mountPoint.getFileName() + ".img");
    SmallDisk disk = new SmallDisk(image, mountPoint);
    CommandRunner.run(COMMAND_TIMEOUT, List.of("truncate", "-s", megabytes + "M", image.toString()))
        .orThrow();
    CommandRunner.run(COMMAND_TIMEOUT, List.of("mkfs.ext4", "-q", "-F", image.toString()))
        .orThrow();
    CommandRunner.run(
            COMMAND_TIMEOUT,
            List.of("mount", "-o", "loop", image.toString(), mountPoint.toString()))
        .orThrow();
    disk.mounted = true;
    return disk;
  }

  public Path path() {
    return mountPoint;
  }

  /** Bytes free on the filesystem now. */
  public long freeBytes() {
    try {
      return Files.getFileStore(mountPoint).getUsableSpace();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Takes all but {@code leaveBytes} of the free space with a balloon file. */
  public void fill(long leaveBytes) {
    long take = freeBytes() - leaveBytes;
    if (take > 0) {
      CommandRunner.run(
              COMMAND_TIMEOUT,
              List.of("fallocate", "-l", Long.toString(take), balloon().toString()))
          .orThrow();
    }
  }

  /** Deletes the balloon: the space it held is free again. */
  public void release() {
    try {
      Files.deleteIfExists(balloon());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path balloon() {
    return mountPoint.resolve("balloon.fill");
  }

  @Override
  public void close() {
    if (mounted) {
      // lazy: a process that still has a file open there must not keep the mount (and the test)
      // stuck
      CommandRunner.run(COMMAND_TIMEOUT, List.of("umount", "-l", mountPoint.toString()));
      mounted = false;
    }
    try {
      Files.deleteIfExists(image);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

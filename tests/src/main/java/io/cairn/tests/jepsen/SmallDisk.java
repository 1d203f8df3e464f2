package io.cairn.tests.jepsen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A small real filesystem (ext4 in a loop-mounted image file) to put a node's data dir on, so a
 * test can fill it up and free it again: {@link #fill} leaves only a few bytes free with a balloon
 * file, {@link #release} deletes the balloon. Needs root (mount). Closing unmounts and deletes the
 * image; the mount point stays, empty.
 *
 * <p>The filesystem has no blocks reserved for root ({@code mkfs.ext4 -m 0}): the nodes run as root
 * and would otherwise write on into the reserve a balloon sized from the usable space left them.
 * The image lies next to the mount point, {@code <mount point>.img}; scripts/chaos.sh relies on
 * that to clean up after a run killed from outside.
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

  /** What keeps small disks from being made here, one sentence each; empty when nothing does. */
  public static List<String> preflight() {
    List<String> problems = new ArrayList<>();
    if (!available()) {
      problems.add("not running as root: mounting a small filesystem needs root");
    }
    for (String tool :
        List.of("truncate", "mkfs.ext4", "mount", "umount", "losetup", "fallocate")) {
      if (!CommandRunner.run(COMMAND_TIMEOUT, "bash", "-c", "command -v " + tool).ok()) {
        problems.add(
            "'" + tool + "' is not installed (apt-get install -y e2fsprogs util-linux coreutils)");
      }
    }
    return problems;
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
    try {
      CommandRunner.run(
              COMMAND_TIMEOUT, List.of("truncate", "-s", megabytes + "M", image.toString()))
          .orThrow();
      CommandRunner.run(
              COMMAND_TIMEOUT, List.of("mkfs.ext4", "-q", "-F", "-m", "0", image.toString()))
          .orThrow();
      CommandRunner.run(
              COMMAND_TIMEOUT,
              List.of("mount", "-o", "loop", image.toString(), mountPoint.toString()))
          .orThrow();
    } catch (RuntimeException e) {
      try {
        Files.deleteIfExists(image);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
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

  /**
   * Unmounts (by its exact path) and deletes the image.
   *
   * @throws IllegalStateException if the unmount failed; the image is then left for the caller's
   *     cleanup to find, since deleting it would hide a mount that is still there
   */
  @Override
  public void close() {
    if (mounted) {
      // lazy: a process that still has a file open there must not keep the mount (and the test)
      // stuck
      CommandRunner.run(COMMAND_TIMEOUT, List.of("umount", "-l", mountPoint.toString())).orThrow();
      mounted = false;
    }
    try {
      Files.deleteIfExists(image);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

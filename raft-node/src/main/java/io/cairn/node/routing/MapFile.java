package io.cairn.node.routing;

import io.cairn.proto.ShardMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last shard map this node adopted, kept in its data dir ({@code shard-map.pb}). Once the
 * cluster has changed shape the map computed from the configuration is wrong (the meta group may
 * live on other nodes by now), so a restarting node starts from this one. Written whole to a
 * temporary file, synced, then renamed over the old one, so a crash leaves the old map or the new
 * one, never a torn file.
 */
public final class MapFile {
  private static final Logger LOG = LoggerFactory.getLogger(MapFile.class);
  private static final String NAME = "shard-map.pb";

  private final Path file;

  public MapFile(Path dataDir) {
    this.file = dataDir.resolve(NAME);
  }

  /**
   * The saved map, if there is one of this cluster. A file that does not parse is reported and
   * ignored: the meta group still has the map, and the node asks it.
   */
  public Optional<ShardMap> load(String clusterId) {
    try {
      ShardMap map = ShardMap.parseFrom(Files.readAllBytes(file));
      if (!map.getClusterId().equals(clusterId)) {
        LOG.warn(
            "{} belongs to cluster '{}', not '{}'; ignoring it",
            file,
            map.getClusterId(),
            clusterId);
        return Optional.empty();
      }
      return Optional.of(map);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.warn("cannot read the saved shard map {} ({}); ignoring it", file, e.toString());
      return Optional.empty();
    }
  }

  public void save(ShardMap map) {
    Path tmp = file.resolveSibling(NAME + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ch.write(map.toByteString().asReadOnlyByteBuffer());
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the shard map to " + file, e);
    }
  }
}

package io.cairn.node.security;

import io.cairn.node.config.NodeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Reads the at-rest key file: one key per line, {@code ID=BASE64} with ID 1..255 and 32 random
 * bytes ('cairnctl at-rest add-key' writes it); blank lines and lines starting with '#' are
 * skipped. The file must be readable by its owner only, like an SSH key: anyone who reads it reads
 * every value.
 */
public final class AtRestKeys {
  private AtRestKeys() {}

  /**
   * The cipher {@code atRest} configures; {@link ValueCipher#plaintext()} when it names no file.
   */
  public static ValueCipher load(NodeConfig.AtRest atRest) throws IOException {
    if (atRest.keyFile() == null) {
      return ValueCipher.plaintext();
    }
    TreeMap<Integer, SecretKey> keys = parse(atRest.keyFile());
    int active = atRest.activeKeyId() == 0 ? keys.lastKey() : atRest.activeKeyId();
    if (!keys.containsKey(active)) {
      throw new IOException(
          "at-rest.active-key-id is "
              + active
              + " but "
              + atRest.keyFile()
              + " holds keys "
              + keys.keySet()
              + "; add the key to the file first");
    }
    return new ValueCipher(keys, active);
  }

  static TreeMap<Integer, SecretKey> parse(Path file) throws IOException {
    requireOwnerOnly(file);
    TreeMap<Integer, SecretKey> keys = new TreeMap<>();
    List<String> lines = Files.readAllLines(file);
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = file + " line " + (n + 1);
      int eq = line.indexOf('=');
      int id;
      byte[] bytes;
      try {
        id = Integer.parseInt(line.substring(0, Math.max(eq, 0)).trim());
        bytes = Base64.getDecoder().decode(line.substring(eq + 1).trim());
      } catch (IllegalArgumentException e) {
        throw new IOException(where + " is not ID=BASE64 ('cairnctl at-rest add-key' writes keys)");
      }
      if (id < 1 || id > 255) {
        throw new IOException(where + ": key ids are 1..255, got " + id);
      }
      if (bytes.length != 32) {
        throw new IOException(where + ": a key is 32 bytes (AES-256), this one is " + bytes.length);
      }
      if (keys.put(id, new SecretKeySpec(bytes, "AES")) != null) {
        throw new IOException(where + ": key id " + id + " appears twice");
      }
    }
    if (keys.isEmpty()) {
      throw new IOException(file + " holds no key; 'cairnctl at-rest add-key --file " + file + "'");
    }
    return keys;
  }

  private static void requireOwnerOnly(Path file) throws IOException {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return; // not a POSIX file system: nothing to check
    }
    for (PosixFilePermission p : perms) {
      if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
        throw new IOException(
            "at-rest.key-file "
                + file
                + " can be read by others than its owner; chmod 600 "
                + file
                + " (whoever reads it reads every value)");
      }
    }
  }
}

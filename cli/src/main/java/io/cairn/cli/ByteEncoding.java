package io.cairn.cli;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * How keys and values are spelled on the command line and in output. Keys and values are bytes;
 * TEXT means UTF-8, which cannot spell every byte string, so HEX and BASE64 spell any.
 */
enum ByteEncoding {
  TEXT,
  HEX,
  BASE64;

  private static final HexFormat HEX_FORMAT = HexFormat.of();

  /** The name output uses ({@code "encoding":"hex"}). */
  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The bytes command-line argument {@code label} (KEY, VALUE, ...) spells; an
   * IllegalArgumentException names the argument and says what to do.
   */
  byte[] decode(String label, String arg) {
    return switch (this) {
      case TEXT -> {
        // The JVM decodes argv with the locale's charset and turns what it cannot decode into
        // U+FFFD: k\xff and k\xfe would both arrive as "k\uFFFD" and name one key. Refuse instead
        // of storing the replacement.
        if (arg.indexOf('\uFFFD') >= 0) {
          throw new IllegalArgumentException(
              label
                  + " contains U+FFFD, the character the JVM puts in place of bytes "
                  + "it cannot decode in this locale; give "
                  + label
                  + " with --hex or --base64 (or use a UTF-8 locale)");
        }
        yield arg.getBytes(StandardCharsets.UTF_8);
      }
      case HEX -> decodeHex(label, arg);
      case BASE64 -> decodeBase64(label, arg);
    };
  }

  /**
   * {@code bytes} spelled in this encoding; TEXT decodes them as UTF-8 (for bytes that came in as
   * text).
   */
  String encode(byte[] bytes) {
    return switch (this) {
      case TEXT -> new String(bytes, StandardCharsets.UTF_8);
      case HEX -> HEX_FORMAT.formatHex(bytes);
      case BASE64 -> Base64.getEncoder().encodeToString(bytes);
    };
  }

  /** A key as a message shows it: {@code 'user:1'}, {@code 6bff (hex)}. */
  String describe(byte[] bytes) {
    return this == TEXT ? "'" + encode(bytes) + "'" : encode(bytes) + " (" + label() + ")";
  }

  /**
   * The encoding of bytes in a JSON document: JSON strings cannot carry raw bytes, so TEXT becomes
   * BASE64.
   */
  ByteEncoding inJson() {
    return this == TEXT ? BASE64 : this;
  }

  private static byte[] decodeHex(String label, String arg) {
    if (arg.length() % 2 != 0) {
      throw new IllegalArgumentException(
          label
              + " '"
              + arg
              + "' is not hex: it has an odd number of digits; "
              + "give two digits per byte, e.g. 6bff");
    }
    for (int i = 0; i < arg.length(); i++) {
      if (!HexFormat.isHexDigit(arg.charAt(i))) {
        throw new IllegalArgumentException(
            label
                + " '"
                + arg
                + "' is not hex: '"
                + arg.charAt(i)
                + "' is not a hex digit (0-9, a-f)");
      }
    }
    return HEX_FORMAT.parseHex(arg);
  }

  private static byte[] decodeBase64(String label, String arg) {
    try {
      return Base64.getDecoder().decode(arg);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          label + " '" + arg + "' is not base64 (RFC 4648, e.g. a/8=): " + e.getMessage(), e);
    }
  }
}

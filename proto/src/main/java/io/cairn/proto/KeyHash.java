package io.cairn.proto;

/**
 * The 64-bit hash that places keys and virtual nodes on Cairn's rings.
 *
 * <p>It is part of the wire contract: clients and servers must compute the same shard for a key,
 * and the shard a key lives on must never change for a given map. {@code KeyHashTest} freezes it
 * with golden vectors; changing this function is a data-format change.
 *
 * <p>The function is 64-bit FNV-1a over the bytes, finished with MurmurHash3's fmix64 so that keys
 * differing only in their last byte still spread over the whole ring.
 */
public final class KeyHash {
  private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private KeyHash() {}

  public static long hash64(byte[] bytes) {
    long h = FNV_OFFSET_BASIS;
    for (byte b : bytes) {
      h ^= (b & 0xff);
      h *= FNV_PRIME;
    }
    return fmix64(h);
  }

  static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}

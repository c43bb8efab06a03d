package io.caestream.observe;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * HTTP basic auth (RFC 7617) for the viewer and admin paths. Only a SHA-256 digest of
 * {@code user:password} is kept, so nothing here can leak the password, and a request is
 * checked by comparing digests with {@link MessageDigest#isEqual}: constant time, over the
 * same 32 bytes whatever length was sent, so timing tells an attacker nothing about how much
 * of a guess was right.
 */
public final class BasicAuth {
  /** The challenge sent with a 401. */
  static final String CHALLENGE = "Basic realm=\"cae-stream\", charset=\"UTF-8\"";
  private static final String SCHEME = "Basic ";
  private final byte[] expected;

  private BasicAuth(byte[] expected) {
    this.expected = expected;
  }

  public static BasicAuth of(String user, String password) {
    return new BasicAuth(sha256((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
  }

  /** Whether an {@code Authorization} header value carries the right user and password. */
  boolean allows(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return false;
    }
    byte[] sent;
    try {
      sent = Base64.getDecoder().decode(authorization.substring(SCHEME.length()).strip());
    } catch (IllegalArgumentException notBase64) {
      return false;
    }
    return MessageDigest.isEqual(expected, sha256(sent));
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}

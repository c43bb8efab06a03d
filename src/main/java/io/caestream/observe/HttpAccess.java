package io.caestream.observe;

/**
 * Who may see what over HTTP. {@code /metrics} and {@code /health/*} are always open (probes and
 * scrapers carry no credentials); the viewer ({@code /}, {@code /api/anomalies}) is served only
 * when enabled, because camera images of a production line are often confidential; with
 * {@code auth} set, the viewer and admin paths need basic auth.
 *
 * @param viewer whether {@code /} and {@code /api/anomalies} are served at all (else 404)
 * @param auth basic auth for the viewer and admin paths; null = open
 */
public record HttpAccess(boolean viewer, BasicAuth auth) {
  /** Viewer on, no auth: the demo on a developer's machine, and tests. */
  public static final HttpAccess OPEN = new HttpAccess(true, null);

  /** From the config values; an empty user means no auth (the config checks both come together). */
  public static HttpAccess of(boolean viewer, String user, String password) {
    return new HttpAccess(viewer, user == null || user.isEmpty() ? null : BasicAuth.of(user, password));
  }
}

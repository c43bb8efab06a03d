package io.caestream.stream;

/** A record dead-lettered for what it is rather than for its image; see {@link RecordProblem}. */
public final class RecordRejectedException extends Exception {
  private final RecordProblem problem;

  public RecordRejectedException(RecordProblem problem, String message) {
    super(message);
    this.problem = problem;
  }

  public RecordProblem problem() {
    return problem;
  }
}

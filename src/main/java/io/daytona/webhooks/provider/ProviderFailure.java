package io.daytona.webhooks.provider;

/**
 * Why a {@link DeliveryProvider} call failed, as a kind the callers decide on: the HTTP edge maps the
 * kind to a status in one table ({@code http.FailureStatus}), the outbox and the initializer decide
 * whether to retry from {@link Kind#retryable()}. No caller reads an HTTP status of the provider:
 * {@link #upstreamStatus()} is kept only to be shown to an operator.
 */
public final class ProviderFailure extends RuntimeException {

  /** The kinds of failure a provider reports. */
  public enum Kind {
    /** The caller's own input was refused (a bad URL, an unknown event type, a payload too large). */
    INPUT_REJECTED,
    /** The application, endpoint or message does not exist (for this organization). */
    NOT_FOUND,
    /** It exists already (an endpoint uid, a message's eventId). */
    DUPLICATE,
    /** The same request (idempotency key) is still being processed: try again later. */
    IN_PROGRESS,
    /** The provider asks us to slow down; {@link #retryAfterSeconds()} says for how long when it said so. */
    RATE_LIMITED,
    /** The provider could not be reached or failed (5xx, refused connection, network error). */
    UNAVAILABLE,
    /** The provider did not answer within the call's deadline. */
    TIMEOUT,
    /** The provider is not configured (Svix without {@code SVIX_AUTH_TOKEN}). */
    NOT_CONFIGURED,
    /** The provider refused something that is not the caller's input (our credentials, an internal request). */
    REFUSED;

    /** Worth another try later: the same request may succeed once the provider recovers. */
    public boolean retryable() {
      return this == IN_PROGRESS || this == RATE_LIMITED || this == UNAVAILABLE || this == TIMEOUT;
    }

    /** Says that the provider as a whole is down (not that one request of one caller was bad). */
    public boolean providerDown() {
      return this == UNAVAILABLE || this == TIMEOUT;
    }
  }

  private final Kind kind;
  private final Integer retryAfterSeconds;
  private final Integer upstreamStatus;
  private final String pointer;

  public ProviderFailure(Kind kind, String detail) {
    this(kind, detail, null, null, null);
  }

  /**
   * @param retryAfterSeconds how long the provider asked us to wait (RATE_LIMITED), or null
   * @param upstreamStatus    the provider's own HTTP status when it answered, for operators only
   * @param pointer           the JSON pointer of the caller's field that was refused (INPUT_REJECTED), or null
   */
  public ProviderFailure(Kind kind, String detail, Integer retryAfterSeconds, Integer upstreamStatus, String pointer) {
    super(detail, null, false, false);
    this.kind = kind;
    this.retryAfterSeconds = retryAfterSeconds;
    this.upstreamStatus = upstreamStatus;
    this.pointer = pointer;
  }

  public static ProviderFailure of(Kind kind, String detail) {
    return new ProviderFailure(kind, detail);
  }

  public static ProviderFailure inputRejected(String pointer, String detail) {
    return new ProviderFailure(Kind.INPUT_REJECTED, detail, null, null, pointer);
  }

  public static ProviderFailure notFound(String detail) {
    return new ProviderFailure(Kind.NOT_FOUND, detail);
  }

  public Kind kind() {
    return kind;
  }

  public String detail() {
    return getMessage();
  }

  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public Integer upstreamStatus() {
    return upstreamStatus;
  }

  public String pointer() {
    return pointer;
  }

  /** The same failure with {@code what: } in front of its detail (e.g. which step of an initialization failed). */
  public ProviderFailure in(String what) {
    return new ProviderFailure(kind, what + ": " + getMessage(), retryAfterSeconds, upstreamStatus, pointer);
  }

  /** True when {@code err} is a provider failure of {@code kind}. */
  public static boolean is(Throwable err, Kind kind) {
    return err instanceof ProviderFailure f && f.kind == kind;
  }

  @Override
  public String toString() {
    return "ProviderFailure[" + kind + (upstreamStatus == null ? "" : ", upstream " + upstreamStatus) + "]: "
      + getMessage();
  }
}

package io.daytona.webhooks.config;

/** A configuration value that cannot be used. The message names the variable and the problem. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String variable, String problem) {
    super(variable + ": " + problem);
  }
}

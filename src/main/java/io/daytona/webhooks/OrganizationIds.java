package io.daytona.webhooks;

import java.util.regex.Pattern;

/**
 * The one rule for organization ids, wherever they arrive (REST path, platform event bodies,
 * {@code organization.created}, {@code create-api-key --organization}): 1-256 characters of
 * {@code [A-Za-z0-9._-]}, never {@code .} or {@code ..} (the id becomes a Svix application uid
 * and a URL path segment). {@code openapi.yaml}'s {@code OrganizationId} schema states the same
 * pattern ({@code OrganizationIdsTest} checks that they agree).
 */
public final class OrganizationIds {

  /** The rule as a regular expression (Java and ECMA-262 alike). */
  public static final String REGEX = "^(?!\\.\\.?$)[A-Za-z0-9._-]{1,256}$";
  private static final Pattern PATTERN = Pattern.compile(REGEX);
  /** What a bad id is told, after the field's name. */
  public static final String RULE = "must be 1-256 characters of A-Z a-z 0-9 . _ - (and not '.' or '..')";

  private OrganizationIds() {
  }

  public static boolean valid(String id) {
    return id != null && PATTERN.matcher(id).matches();
  }
}

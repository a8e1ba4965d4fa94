package io.daytona.webhooks;

import io.daytona.webhooks.http.HttpVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.Validator;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static io.daytona.webhooks.testsupport.svix.SvixStandIn.block;
import static org.assertj.core.api.Assertions.assertThat;

/** The organization id rule, and openapi.yaml stating the same rule for every {organizationId} path parameter. */
@ExtendWith(VertxExtension.class)
class OrganizationIdsTest {

  private static final List<String> GOOD = List.of("org-1", "a", "A.b_c-9", "...", ".a", "a..", "x".repeat(256));
  private static final List<String> BAD = List.of("", ".", "..", "x".repeat(257), "a b", "a/b", "ä", "org!", "a\n");

  @Test
  void theRule() {
    assertThat(GOOD).allMatch(OrganizationIds::valid);
    assertThat(BAD).noneMatch(OrganizationIds::valid);
    assertThat(OrganizationIds.valid(null)).isFalse();
  }

  @Test
  void theContractsOrganizationIdSchemaIsTheSameRule(Vertx vertx) {
    OpenAPIContract contract = block(HttpVerticle.loadContract(vertx), Duration.ofSeconds(30)).parsed();
    // every operation's {organizationId} as the router validates it
    List<Parameter> parameters = contract.operations().stream()
      .flatMap(op -> op.getParameters().stream())
      .filter(p -> p.getName().equals("organizationId") && p.getIn() == Location.PATH)
      .toList();
    assertThat(parameters).hasSizeGreaterThanOrEqualTo(6);
    for (Parameter parameter : parameters) {
      assertThat(parameter.getSchema().<String>get("pattern")).isEqualTo(OrganizationIds.REGEX);
    }
    JsonObject schema = contract.getRawContract().getJsonObject("components").getJsonObject("schemas")
      .getJsonObject("OrganizationId");
    assertThat(schema.getString("pattern")).isEqualTo(OrganizationIds.REGEX);
    Validator validator = Validator.create(JsonSchema.of(schema),
      new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("https://webhooks.test/"));
    for (String good : GOOD) {
      assertThat(validator.validate(good).getValid()).as(good).isTrue();
    }
    for (String bad : BAD) {
      // JSON Schema patterns are ECMA-262 searches, whose '$' a Java engine also lets match before a final
      // line break: "a\n" is left to OrganizationIds (HttpContractTest sends it)
      if (!bad.equals("a\n")) {
        assertThat(validator.validate(bad).getValid()).as(bad).isFalse();
      }
    }
  }
}

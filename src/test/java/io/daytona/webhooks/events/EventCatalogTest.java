package io.daytona.webhooks.events;

import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.provider.EventType;
import io.daytona.webhooks.provider.Providers;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The catalog is the one source of the platform types: names, descriptions, schemas, examples. */
class EventCatalogTest {

  private static OutputUnit validate(EventType t, JsonObject payload) {
    return Validator.create(JsonSchema.of(t.schema()), new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
      .setBaseUri("https://webhooks.test/")).validate(payload);
  }

  @Test
  void elevenTypesInTheOrderOfThePlatformAddressesEachDescribedOnce() {
    assertThat(EventCatalog.platform()).extracting(EventType::name).containsExactlyElementsOf(Addresses.PLATFORM_EVENTS);
    EventCatalog.platform().forEach(t -> assertThat(EventTypes.PLATFORM).containsEntry(t.name(), t.description()));
    assertThat(Providers.platformTypes()).isSameAs(EventCatalog.platform());
  }

  @Test
  void eachExampleFitsItsSchemaAndAPayloadWithoutOrganizationDoesNot() {
    for (EventType t : EventCatalog.platform()) {
      assertThat(t.schema().getString("$schema")).isEqualTo(EventCatalog.DIALECT);
      OutputUnit ok = validate(t, t.example());
      assertThat(ok.getValid()).as(t.name() + ": " + ok.getErrors()).isTrue();
      JsonObject withoutOrg = t.example().copy();
      withoutOrg.remove("organizationId");
      assertThat(validate(t, withoutOrg).getValid()).as(t.name()).isFalse();
      // what the platform sends beyond the schema's fields passes through
      assertThat(validate(t, t.example().copy().put("extra", true)).getValid()).as(t.name()).isTrue();
    }
  }

  @Test
  void platformTypeFindsOnlyPlatformTypesAndJsonIsACopy() {
    assertThat(EventCatalog.platformType("sandbox.created")).isPresent();
    assertThat(EventCatalog.platformType("custom.thing")).isEmpty();
    JsonObject json = EventCatalog.toJson(EventCatalog.platformType("volume.created").orElseThrow());
    json.getJsonObject("example").put("id", "changed");
    assertThat(EventCatalog.platformType("volume.created").orElseThrow().example().getString("id")).isNotEqualTo("changed");
    assertThat(EventCatalog.toJson(EventType.custom("custom.thing")).getValue("schema")).isNull();
  }
}

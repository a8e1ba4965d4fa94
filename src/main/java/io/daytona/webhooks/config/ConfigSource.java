package io.daytona.webhooks.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.File;

/**
 * Reads the raw configuration with vertx-config: {@code conf/config.yaml} (from the working
 * directory, else the copy packaged in the jar), then the environment variables of the same
 * names on top.
 */
public final class ConfigSource {

  /** Where the defaults live; {@code WEBHOOKS_CONFIG} may point elsewhere. */
  public static final String DEFAULT_FILE = "conf/config.yaml";

  private ConfigSource() {
  }

  public static Future<JsonObject> load(Vertx vertx) {
    String file = System.getenv().getOrDefault("WEBHOOKS_CONFIG", DEFAULT_FILE);
    if (!DEFAULT_FILE.equals(file) && !new File(file).isFile()) {
      return Future.failedFuture(new ConfigException("WEBHOOKS_CONFIG", "no such file: " + file));
    }
    ConfigStoreOptions yaml = new ConfigStoreOptions()
      .setType("file").setFormat("yaml").setOptional(false)
      .setConfig(new JsonObject().put("path", file));
    ConfigStoreOptions env = new ConfigStoreOptions()
      .setType("env")
      .setConfig(new JsonObject().put("raw-data", true).put("keys", new JsonArray(ServiceConfig.KEYS)));
    ConfigRetriever retriever = ConfigRetriever.create(vertx,
      new ConfigRetrieverOptions().setScanPeriod(-1).addStore(yaml).addStore(env));
    return retriever.getConfig()
      .recover(err -> Future.failedFuture(new ConfigException(file, "cannot be read: " + err.getMessage())))
      .andThen(ar -> retriever.close());
  }

  private static volatile JsonObject packaged;

  /**
   * The defaults of {@code conf/config.yaml} as packaged with the service (the jar's, or the build's classes
   * in tests), parsed once: what {@link ServiceConfig#from(java.util.Map)} lays the given values over.
   */
  public static JsonObject packagedDefaults() {
    JsonObject d = packaged;
    if (d == null) {
      try (java.io.InputStream in = ConfigSource.class.getClassLoader().getResourceAsStream(DEFAULT_FILE)) {
        if (in == null) {
          throw new ConfigException(DEFAULT_FILE, "is not on the classpath");
        }
        java.util.Map<String, Object> map = new org.yaml.snakeyaml.Yaml().load(in);
        d = new JsonObject(map == null ? new java.util.HashMap<>() : new java.util.HashMap<>(map));
      } catch (java.io.IOException e) {
        throw new ConfigException(DEFAULT_FILE, "cannot be read: " + e.getMessage());
      }
      packaged = d;
    }
    return d.copy();
  }
}

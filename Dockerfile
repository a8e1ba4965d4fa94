# syntax=docker/dockerfile:1
# Build stage: the fat jar.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY openapi.yaml ./
COPY conf conf
COPY src src
RUN mvn -B -q package -DskipTests

# Run stage: a JRE and the jar, as a non-root user.
FROM eclipse-temurin:17-jre
RUN useradd --system --create-home --home-dir /app --uid 10001 webhooks
WORKDIR /app
COPY --from=build /src/target/webhook-service.jar /app/webhook-service.jar
COPY conf /app/conf
COPY bin/webhook-service /app/bin/webhook-service
RUN mkdir -p /app/data && chown -R webhooks:webhooks /app
USER webhooks
ENV WEBHOOKS_DATA_DIR=/app/data \
    HTTP_HOST=0.0.0.0 \
    WEBHOOKS_JAR=/app/webhook-service.jar
EXPOSE 8080
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=5s CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
# JVM options: JAVA_OPTS (default -XX:+UseSerialGC -Xmx128m -XX:TrimNativeHeapInterval=5000); the class-data archive is recorded in
# /app when the container first stops and used by its later starts
ENTRYPOINT ["/app/bin/webhook-service"]

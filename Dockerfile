# syntax=docker/dockerfile:1

# ---- Stage 1: the web client (npm ci from the lockfile, esbuild) ------------------------
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN node build.mjs /web-out

# ---- Stage 2: build the shaded jar -------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build

# Dependencies first: this layer is rebuilt only when pom.xml changes.
COPY pom.xml .
RUN mvn -B -q dependency:go-offline

# conf/ is packaged into the jar as well (see the <resources> section of pom.xml).
COPY src/ src/
COPY conf/ conf/
# The web client comes built from stage 1 (this image has no Node.js): web.skip leaves npm out.
COPY --from=web /web-out/ target/generated-resources/web/
RUN mvn -B -q -DskipTests -Dweb.skip=true package

# ---- Stage 3: runtime ---------------------------------------------------------------------
FROM eclipse-temurin:17-jre

RUN groupadd --system --gid 10001 matic \
 && useradd --system --uid 10001 --gid matic --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin matic

COPY --from=build /build/target/matic-scan.jar /app/matic-scan.jar
# conf/ on disk takes precedence over the copy inside the jar.
COPY --from=build /build/conf/ /app/conf/

WORKDIR /app
USER 10001:10001

# The service reads PORT itself (it overrides http.port); 8080 is the default.
ENV ENVIRONMENT=production \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+UseContainerSupport -XX:+ExitOnOutOfMemoryError"

EXPOSE 8080

# /dev/tcp is a bash feature, hence bash rather than sh; no curl needed in the image.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-8080} && printf 'GET /api/health/live HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

# exec: java becomes PID 1 and receives SIGTERM, which triggers the graceful shutdown hook
# (readiness DOWN, SHUTDOWN_GRACE, drain up to DRAIN_TIMEOUT, then HTTP, health and data
# verticles stopped and the pool closed; at most grace + drain + 5 s, 20 s with the production
# defaults, so give `docker stop` a matching --time).
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/matic-scan.jar"]

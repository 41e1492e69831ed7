# syntax=docker/dockerfile:1

# Build: the SDK image plus Node for the npm front-end packages that the build copies into wwwroot/lib.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
# For the platform being built (BuildKit sets TARGETARCH: amd64, arm64).
ARG TARGETARCH=amd64
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY HtmxChat.Web/HtmxChat.Web.csproj HtmxChat.Web/package.json HtmxChat.Web/package-lock.json HtmxChat.Web/
RUN dotnet restore HtmxChat.Web/HtmxChat.Web.csproj -a $TARGETARCH
COPY HtmxChat.Web/ HtmxChat.Web/
RUN dotnet publish HtmxChat.Web/HtmxChat.Web.csproj -c Release -a $TARGETARCH --self-contained false -o /app --no-restore

# Run: the ASP.NET runtime only, as the image's non-root "app" user, data on a volume.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app .
RUN mkdir -p /app/data && chown app:app /app/data
# DOTNET_ReadyToRun=0: the framework's hot code is compiled by the JIT with this process's own profile instead of
# starting from its precompiled copy, whose tier-up sees less (bench/README.md, the fifth sitting: a fifth less CPU
# per send with 64 senders). Start-up takes about a second longer, more under a crowd reconnecting after a restart.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ConnectionStrings__Sqlite="Data Source=/app/data/htmxchat.db" \
    DOTNET_ReadyToRun=0
VOLUME ["/app/data"]
EXPOSE 8080
USER app
# The runtime image has no curl; bash's /dev/tcp asks /health instead. Alive is status 200, which /health
# gives for Healthy and for Degraded (Redis down, still serving); Unhealthy is 503.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r _ status _ <&3 && [[ $status == 200* ]]"]
ENTRYPOINT ["dotnet", "HtmxChat.Web.dll"]

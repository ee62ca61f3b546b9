package com.maticsapp.scan.support;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy between the service and PostgreSQL that a test can break in two ways:
 * {@link #cut()} closes every open connection and refuses new ones (the database goes away,
 * with a FIN); {@link #pause()} silently stops moving bytes in both directions while every
 * socket stays open (a network drop with no FIN: the kind of failure only timeouts notice).
 * {@link #restore()} and {@link #resume()} undo them. The listening port stays the same.
 */
public final class TcpProxy implements AutoCloseable {

  private final Vertx vertx;
  private final NetClient client;
  private final NetServer server;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean open = true;
  private volatile boolean paused;

  private TcpProxy(Vertx vertx, String targetHost, int targetPort) {
    this.vertx = vertx;
    this.client = vertx.createNetClient();
    this.server = vertx.createNetServer().connectHandler(inbound -> {
      if (!open) {
        inbound.close();
        return;
      }
      inbound.pause();
      client.connect(targetPort, targetHost).onComplete(connected -> {
        if (connected.failed() || !open) {
          inbound.close();
          if (connected.succeeded()) {
            connected.result().close();
          }
          return;
        }
        NetSocket outbound = connected.result();
        sockets.add(inbound);
        sockets.add(outbound);
        inbound.handler(outbound::write);
        outbound.handler(inbound::write);

        inbound.closeHandler(v -> {
          sockets.remove(inbound);
          outbound.close();
        });
        outbound.closeHandler(v -> {
          sockets.remove(outbound);
          inbound.close();
        });
        if (paused) {
          outbound.pause();
        } else {
          inbound.resume();
        }
      });
    });
  }

  public static TcpProxy start(String targetHost, int targetPort) {
    Vertx vertx = Vertx.vertx();
    TcpProxy proxy = new TcpProxy(vertx, targetHost, targetPort);
    proxy.server.listen(0, "127.0.0.1").await();
    return proxy;
  }

  public int port() {
    return server.actualPort();
  }

  /** Drops every connection and refuses new ones. */
  public void cut() {
    open = false;
    sockets.forEach(NetSocket::close);
  }

  public void restore() {
    open = true;
  }

  /** Stops reading from every socket, both sides: bytes stay in the kernel buffers, nothing closes. */
  public void pause() {
    paused = true;
    sockets.forEach(NetSocket::pause);
  }

  public void resume() {
    paused = false;
    sockets.forEach(NetSocket::resume);
  }

  @Override
  public void close() {
    cut();
    vertx.close().await();
  }
}

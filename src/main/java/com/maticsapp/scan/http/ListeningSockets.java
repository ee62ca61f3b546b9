package com.maticsapp.scan.http;

import io.netty.channel.ChannelFactory;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import com.maticsapp.scan.Lifecycle;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.shareddata.Shareable;
import io.vertx.core.spi.transport.Transport;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * The listening sockets of one Vert.x instance, so that the drain can stop accepting on the
 * HTTP port before the last HTTP server goes.
 *
 * <p>Why: in Vert.x 5.0.10 a server's shutdown takes its event loop out of the port's load
 * balancer before the listening channel is closed (two hops later). A connection accepted in
 * between finds no event loop to serve it ({@code IllegalStateException} in
 * {@code VertxEventLoopGroup.next}, logged as "Failed to register an accepted channel") and is
 * reset after the client connected and maybe sent its request. Closing the listener first
 * turns that into a clean refusal: the kernel refuses the connection, nothing was sent, and a
 * client or load balancer retries elsewhere (a refused connect is always safe to retry, a 503
 * to a POST is not).
 *
 * <p>It is a {@link io.vertx.core.transport.Transport} handed to {@code Vertx.builder()}: the
 * NIO transport (Vert.x's default) with every server channel it creates recorded until it
 * closes. Nothing else changes. Reached from the verticles through the Vert.x instance's
 * shared state ({@link #of(Vertx)}); an instance built without it (a test's plain
 * {@code Vertx.vertx()}) simply has none, and its drain closes the listener as Vert.x does.
 */
public final class ListeningSockets implements io.vertx.core.transport.Transport, Shareable {

  private static final String KEY = "listening-sockets";

  private final Transport nio = io.vertx.core.transport.Transport.NIO.implementation();
  private final Set<ServerChannel> open = ConcurrentHashMap.newKeySet();
  private final Transport recording = new Recording();

  /** Makes these the sockets {@link #of(Vertx)} finds for {@code vertx} (built with this transport). */
  public void attachTo(Vertx vertx) {
    vertx.sharedData().getLocalMap(Lifecycle.STATE_MAP).put(KEY, this);
  }

  /** The listening sockets of {@code vertx}, or null when it was built without them. */
  static ListeningSockets of(Vertx vertx) {
    return vertx.sharedData().getLocalMap(Lifecycle.STATE_MAP).get(KEY) instanceof ListeningSockets sockets ? sockets : null;
  }

  /**
   * Closes every listening socket bound to {@code port} (the HTTP servers of all instances of
   * a verticle share one); completes on {@code context} once they are closed. Connections
   * already accepted are not touched.
   */
  Future<Void> stopAccepting(int port, Context context) {
    List<ServerChannel> listening = open.stream()
        .filter(channel -> channel.localAddress() instanceof InetSocketAddress address && address.getPort() == port)
        .toList();
    Future<Void> all = Future.succeededFuture();
    for (ServerChannel channel : listening) {
      Promise<Void> closed = Promise.promise();
      channel.close().addListener(done -> context.runOnContext(v -> closed.complete()));
      all = all.compose(previous -> closed.future());
    }
    return all;
  }

  // ---------------------------------------------------------------- io.vertx.core.transport.Transport

  @Override
  public String name() {
    return "nio";
  }

  @Override
  public boolean available() {
    return true;
  }

  @Override
  public Throwable unavailabilityCause() {
    return null;
  }

  @Override
  public Transport implementation() {
    return recording;
  }

  /** The NIO transport, with every server channel recorded while it is open. */
  private final class Recording implements Transport {

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      ChannelFactory<? extends ServerChannel> channels = nio.serverChannelFactory(domainSocket);
      return () -> {
        ServerChannel channel = channels.newChannel();
        open.add(channel);
        channel.closeFuture().addListener(closed -> open.remove(channel));
        return channel;
      };
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
      return nio.ioHandlerFactory();
    }

    @Override
    public io.netty.channel.EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory threadFactory,
                                                          int ioRatio) {
      return nio.eventLoopGroup(type, threads, threadFactory, ioRatio);
    }

    @Override
    public DatagramChannel datagramChannel() {
      return nio.datagramChannel();
    }

    @Override
    public DatagramChannel datagramChannel(InternetProtocolFamily family) {
      return nio.datagramChannel(family);
    }

    @Override
    public ChannelFactory<? extends io.netty.channel.Channel> channelFactory(boolean domainSocket) {
      return nio.channelFactory(domainSocket);
    }

    @Override
    public boolean supportsDomainSockets() {
      return nio.supportsDomainSockets();
    }

    @Override
    public boolean supportFileRegion() {
      return nio.supportFileRegion();
    }

    @Override
    public boolean isAvailable() {
      return nio.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
      return nio.unavailabilityCause();
    }

    @Override
    public java.net.SocketAddress convert(io.vertx.core.net.SocketAddress address) {
      return nio.convert(address);
    }

    @Override
    public io.vertx.core.net.SocketAddress convert(java.net.SocketAddress address) {
      return nio.convert(address);
    }

    @Override
    public void configure(DatagramChannel channel, DatagramSocketOptions options) {
      nio.configure(channel, options);
    }

    @Override
    public void configure(ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap bootstrap) {
      nio.configure(options, connectTimeout, domainSocket, bootstrap);
    }

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      nio.configure(options, domainSocket, bootstrap);
    }
  }
}

package com.maticsapp.scan.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free loopback ports for servers a test configures explicitly (Hazelcast members must know
 * each other's ports before any of them starts). The sockets are held until all ports are
 * chosen, so one call never returns the same port twice; another process could still take one
 * before the test binds it, which on a test machine is rare enough.
 */
public final class FreePorts {

  private FreePorts() {}

  public static List<Integer> loopback(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
      }
      return held.stream().map(ServerSocket::getLocalPort).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    } finally {
      for (ServerSocket socket : held) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // only reserving
        }
      }
    }
  }
}

package com.maticsapp.scan.support;

import com.maticsapp.scan.Main;
import com.maticsapp.scan.config.ConfigLoader;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@link Main} in a fresh JVM on the test class path, configured through exactly the given
 * environment variables (the ones inherited from the build that would configure it are removed).
 */
public final class MainProcess {

  private MainProcess() {}

  public static ProcessBuilder builder(Map<String, String> env, String... args) {
    String javaBinary = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    java.util.List<String> command = new java.util.ArrayList<>(
        java.util.List.of(javaBinary, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(java.util.List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(new File(System.getProperty("user.dir")))
        .redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.equals("ENVIRONMENT") || ConfigLoader.ENV_OVERRIDES.containsKey(name));
    environment.putAll(env);
    return builder;
  }
}

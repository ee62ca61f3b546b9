package com.maticsapp.scan.support;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.chromium.ChromiumNetworkConditions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.StaleElementReferenceException;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real Chromium (the system's, Debian packages {@code chromium} and {@code chromium-driver})
 * driven by its chromedriver: headless, a fresh profile per browser, no download of any
 * browser or driver. With a camera file it is a phone whose camera films that video
 * ({@link FakeCamera}); the camera permission is granted without a prompt.
 */
public final class Browser implements AutoCloseable {

  /** Where the browser tests leave their screenshots (the README's come from here). */
  public static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final ChromeDriver driver;
  private final ChromeDriverService service;
  private final Path profile;

  private Browser(ChromeDriver driver, ChromeDriverService service, Path profile) {
    this.driver = driver;
    this.service = service;
    this.profile = profile;
  }

  /** A desk-sized browser (1280 × 900) without a camera. */
  public static Browser desk() {
    return start(1280, 900, null);
  }

  /** A phone-sized browser (360 px wide, the smallest common phone) filming {@code camera}, or Chromium's own test pattern when null. */
  public static Browser phone(Path camera) {
    return start(360, 780, camera);
  }

  private static Browser start(int width, int height, Path camera) {
    Path profile;
    try {
      profile = Files.createTempDirectory("matic-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(executable("CHROMIUM_BINARY", "/usr/bin/chromium"));
    List<String> args = new ArrayList<>(List.of(
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=" + width + "," + height,
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        "--autoplay-policy=no-user-gesture-required"));
    if (camera != null) {
      args.add("--use-file-for-fake-video-capture=" + camera.toAbsolutePath());
    }
    options.addArguments(args);
    options.setExperimentalOption("prefs", java.util.Map.of(
        "download.default_directory", profile.resolve("downloads").toString(),
        "download.prompt_for_download", false));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(executable("CHROMEDRIVER", "/usr/bin/chromedriver")))
        .usingAnyFreePort()
        .build();
    return new Browser(new ChromeDriver(service, options), service, profile);
  }

  private static String executable(String variable, String fallback) {
    String configured = System.getenv(variable);
    return configured == null || configured.isBlank() ? fallback : configured;
  }

  /** Where the browser saves downloads. */
  public Path downloads() {
    return profile.resolve("downloads");
  }

  public ChromeDriver driver() {
    return driver;
  }

  public void open(String url) {
    driver.get(url);
  }

  public WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  public List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /**
   * Waits (15 s at most) until {@code condition} holds, then returns what it returned. An element
   * the page replaced between finding and reading it (the desk redraws a feed item when the live
   * stream updates it) is looked up again at the next poll, not a failure.
   */
  public <T> T waitFor(String what, ExpectedCondition<T> condition) {
    return new WebDriverWait(driver, WAIT).withMessage(what).ignoring(StaleElementReferenceException.class).until(condition);
  }

  /** Waits until the element is displayed. */
  public WebElement visible(String css) {
    return waitFor(css + " displayed", d -> {
      List<WebElement> found = d.findElements(By.cssSelector(css));
      return !found.isEmpty() && found.get(0).isDisplayed() ? found.get(0) : null;
    });
  }

  /** Waits until the element's text contains {@code text}. */
  public WebElement text(String css, String text) {
    return waitFor(css + " containing \"" + text + "\"", d -> {
      List<WebElement> found = d.findElements(By.cssSelector(css));
      return !found.isEmpty() && found.get(0).getText().contains(text) ? found.get(0) : null;
    });
  }

  public Object script(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** Types into whatever has the focus, as a keyboard-wedge scanner does. */
  public void typeIntoFocus(String keys) {
    driver.switchTo().activeElement().sendKeys(keys);
  }

  /** DevTools network emulation: offline or back online (the service keeps running). */
  public void offline(boolean offline) {
    ChromiumNetworkConditions conditions = new ChromiumNetworkConditions();
    conditions.setOffline(offline);
    driver.setNetworkConditions(conditions);
  }

  public byte[] screenshot() {
    return driver.getScreenshotAs(OutputType.BYTES);
  }

  /** Saves a screenshot as target/screenshots/{name}.png and returns its bytes. */
  public byte[] screenshot(String name) {
    byte[] png = screenshot();
    try {
      Files.createDirectories(SCREENSHOTS);
      Files.write(SCREENSHOTS.resolve(name + ".png"), png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return png;
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.close();
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (IOException ignored) {
        // a temp directory left behind is harmless
      }
    }
  }
}

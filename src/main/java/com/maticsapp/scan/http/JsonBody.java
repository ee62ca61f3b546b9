package com.maticsapp.scan.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonTokenId;
import com.maticsapp.scan.contract.JsonValues;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Strict parsing of a request body into a {@link JsonObject}, in one pass over the bytes and
 * one over the tokens (Vert.x's own decoding is lenient: it allows comments and keeps the
 * last of duplicate keys silently). Refused with 400:
 * <ul>
 *   <li>bytes that are not well-formed UTF-8 (overlong forms and encoded surrogates included);</li>
 *   <li>anything that is not RFC 8259 JSON: truncated input, comments, trailing content;</li>
 *   <li>a top-level value that is not an object;</li>
 *   <li>a key repeated within one object;</li>
 *   <li>nesting deeper than {@code maxDepth} (the body's object is level 1). The check runs
 *       before descending, so ten thousand nested arrays cost a look at {@code maxDepth} of
 *       them and never deep recursion.</li>
 * </ul>
 * Strings and numbers that parse but cannot be stored ({@link JsonValues#textProblem}: a NUL,
 * an unpaired surrogate; a number beyond the range of a double) are collected as field
 * errors with their JSON path instead, so the caller answers 422 naming each field.
 */
final class JsonBody {

  /**
   * A plain factory: strict JSON (no comments, no non-numeric numbers, no unquoted names).
   * Keys are not interned: they are the client's, not a fixed vocabulary.
   */
  private static final JsonFactory FACTORY = JsonFactory.builder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build();
  /** At most this many field errors are collected; a body full of NULs needs no longer list. */
  private static final int MAX_PROBLEMS = 20;

  /** The parsed object and the values in it that cannot be accepted, each with its path. */
  record Parsed(JsonObject json, List<FieldError> problems) {}

  private final JsonParser parser;
  private final int maxDepth;
  private final List<FieldError> problems = new ArrayList<>(0);

  private JsonBody(JsonParser parser, int maxDepth) {
    this.parser = parser;
    this.maxDepth = maxDepth;
  }

  /** Parses {@code body}; structural problems throw a 400 {@link ServiceFailure}. */
  static Parsed parse(Buffer body, int maxDepth) {
    CharBuffer text = decode(body);
    try (JsonParser parser = FACTORY.createParser(text.array(), text.arrayOffset() + text.position(), text.remaining())) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw ServiceFailure.badRequest("the request body must be a JSON object");
      }
      JsonBody reader = new JsonBody(parser, maxDepth);
      JsonObject json = reader.object(null, 1);
      if (parser.nextToken() != null) {
        throw notJson("unexpected content after the JSON object", parser.currentLocation());
      }
      return new Parsed(json, reader.problems);
    } catch (JsonProcessingException e) {
      throw notJson(reason(e), e.getLocation());
    } catch (IOException e) {
      // Parsing an in-memory char[] does no I/O; Jackson declares it anyway.
      throw ServiceFailure.badRequest("the request body could not be read");
    }
  }

  private static CharBuffer decode(Buffer body) {
    ByteBuffer bytes = ByteBuffer.wrap(body.getBytes());
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      return decoder.decode(bytes);
    } catch (CharacterCodingException e) {
      // On failure the decoder leaves the buffer at the first byte it could not decode.
      throw ServiceFailure.badRequest("the request body is not valid UTF-8 (at byte " + bytes.position() + ")");
    }
  }

  private JsonObject object(Frame frame, int depth) throws IOException {
    LinkedHashMap<String, Object> map = new LinkedHashMap<>();
    String key;
    while ((key = parser.nextFieldName()) != null) {
      String keyProblem = JsonValues.textProblem(key);
      if (keyProblem != null) {
        problem(Frame.path(new Frame(frame, key, -1)), "key " + keyProblem);
      }
      parser.nextToken();
      Object value = value(frame, key, -1, depth);
      int before = map.size();
      map.put(key, value);
      if (map.size() == before) {
        String path = Frame.path(new Frame(frame, key, -1));
        throw new ServiceFailure(400, "Bad request", "the request body repeats the key " + path,
            List.of(new FieldError(path, "is a duplicate key")));
      }
    }
    return new JsonObject(map);
  }

  private JsonArray array(Frame frame, int depth) throws IOException {
    List<Object> list = new ArrayList<>();
    int index = 0;
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      list.add(value(frame, null, index++, depth));
    }
    return new JsonArray(list);
  }

  /** The value at the current token, a member {@code key} or element {@code index} of {@code parent}. */
  private Object value(Frame parent, String key, int index, int depth) throws IOException {
    switch (parser.currentTokenId()) {
      case JsonTokenId.ID_START_OBJECT, JsonTokenId.ID_START_ARRAY -> {
        Frame frame = new Frame(parent, key, index);
        if (depth + 1 > maxDepth) {
          String path = Frame.path(frame);
          throw new ServiceFailure(400, "Bad request", "the request body nests deeper than " + maxDepth + " levels",
              List.of(new FieldError(path, "nests deeper than " + maxDepth + " levels")));
        }
        return parser.currentTokenId() == JsonTokenId.ID_START_OBJECT ? object(frame, depth + 1) : array(frame, depth + 1);
      }
      case JsonTokenId.ID_STRING -> {
        String text = parser.getText();
        String problem = JsonValues.textProblem(text);
        if (problem != null) {
          problem(Frame.path(new Frame(parent, key, index)), problem);
        }
        return text;
      }
      case JsonTokenId.ID_NUMBER_INT -> {
        return parser.getNumberValue();
      }
      case JsonTokenId.ID_NUMBER_FLOAT -> {
        double number = parser.getDoubleValue();
        if (Double.isInfinite(number)) {
          problem(Frame.path(new Frame(parent, key, index)), JsonValues.NOT_FINITE);
        }
        return number;
      }
      case JsonTokenId.ID_TRUE -> {
        return Boolean.TRUE;
      }
      case JsonTokenId.ID_FALSE -> {
        return Boolean.FALSE;
      }
      case JsonTokenId.ID_NULL -> {
        return null;
      }
      default -> throw notJson("unexpected " + parser.currentToken(), parser.currentLocation());
    }
  }

  private void problem(String field, String message) {
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(new FieldError(field, message));
    }
  }

  private static ServiceFailure notJson(String reason, JsonLocation location) {
    String where = location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    return ServiceFailure.badRequest("the request body is not valid JSON: " + reason + where);
  }

  /** Jackson's message without its source excerpt and location (reported separately). */
  private static String reason(JsonProcessingException e) {
    String message = String.valueOf(e.getOriginalMessage());
    int cut = message.length();
    for (String marker : new String[] {"\n", " (start marker", " at [Source"}) {
      int at = message.indexOf(marker);
      if (at >= 0 && at < cut) {
        cut = at;
      }
    }
    return message.substring(0, cut);
  }

  /** Where a value sits, kept only as links until a path has to be spelled out for an error. */
  private record Frame(Frame parent, String key, int index) {
    static String path(Frame frame) {
      if (frame == null) {
        return "";
      }
      String parent = path(frame.parent);
      if (frame.key == null) {
        return parent + "[" + frame.index + "]";
      }
      String key = JsonValues.printable(frame.key);
      return parent.isEmpty() ? key : parent + "." + key;
    }
  }
}

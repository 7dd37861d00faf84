package dev.kiln.backend;

/** A device fault or misuse, with the op (and kernel) named in the message. */
public class BackendException extends RuntimeException {
    public BackendException(String message) { super(message); }
    public BackendException(String message, Throwable cause) { super(message, cause); }
}

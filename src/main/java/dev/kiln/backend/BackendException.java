package dev.kiln.backend;

/** A device fault or misuse, with the op (and kernel) named in the message. */
public class BackendException extends RuntimeException {
    /** A backend error with this message. */
    public BackendException(String message) { super(message); }
    /** A backend error with this message, caused by {@code cause}. */
    public BackendException(String message, Throwable cause) { super(message, cause); }
}

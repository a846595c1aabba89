/**
 * Implementation of jfork; not an API. The parent side (native calls, spawning, descriptor
 * passing, the stderr pump, reaping) and the child side (ChildMain, the command loop, the template
 * role with its spares and class-data archives). The wire protocol is documented in
 * {@code docs/PROTOCOL.md}.
 */
package dev.jfork.internal;

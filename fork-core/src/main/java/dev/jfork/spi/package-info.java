/**
 * Service interfaces through which other jfork modules (and frameworks) plug into fork-core:
 * {@link dev.jfork.spi.TemplateProvider} for a template that replaces the program's own JVM starts
 * (fork-early).
 */
package dev.jfork.spi;

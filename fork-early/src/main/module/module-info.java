/** jfork early: a template started before the program does anything (AnyEvent::Fork::Early). */
module dev.jfork.early {
    requires transitive dev.jfork;
    requires java.instrument; // -javaagent:fork-early.jar

    exports dev.jfork.early;

    provides dev.jfork.spi.TemplateProvider with dev.jfork.early.EarlyTemplateProvider;
}

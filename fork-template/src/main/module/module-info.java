/** jfork template: a template that reproduces the running program (AnyEvent::Fork::Template). */
module dev.jfork.template {
    requires transitive dev.jfork;
    requires java.instrument; // -javaagent:fork-template.jar
    requires java.management; // the program's JVM options
    requires jdk.management; // the VM.classloaders diagnostic command: the loaded classes, with no JVM option

    exports dev.jfork.template;
}

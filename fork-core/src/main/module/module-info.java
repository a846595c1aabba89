/**
 * jfork core: AnyEvent::Fork for the JVM. Exports the API ({@code dev.jfork}) and the service
 * interfaces other modules plug in through ({@code dev.jfork.spi}); the implementation is shared
 * with jfork's other modules only.
 */
module dev.jfork {
    requires java.management;  // JvmSpec reads the current JVM's options
    requires jdk.unsupported;  // a child wraps descriptor numbers in FileDescriptors with sun.misc.Unsafe
    requires static jdk.jfr;   // Flight Recorder events, where the runtime has JFR (JforkEvents checks)
    requires org.jnrproject.ffi;
    requires org.jnrproject.enxio;
    // jnr-ffi (an automatic module) generates its libc binding with ASM: on the module path the
    // ASM modules are only resolved if a module requires them
    requires org.objectweb.asm;
    requires org.objectweb.asm.commons;
    requires org.objectweb.asm.tree;
    requires org.objectweb.asm.tree.analysis;
    requires org.objectweb.asm.util;

    exports dev.jfork;
    exports dev.jfork.spi;
    exports dev.jfork.internal.concurrent to dev.jfork.rpc, dev.jfork.pool, dev.jfork.early, dev.jfork.remote;
    exports dev.jfork.internal.events to dev.jfork.rpc, dev.jfork.pool;
    exports dev.jfork.internal.wire to dev.jfork.rpc, dev.jfork.pool, dev.jfork.template, dev.jfork.remote;
    exports dev.jfork.internal.parent to dev.jfork.remote, dev.jfork.pool;
    exports dev.jfork.internal.os to dev.jfork.remote;

    uses dev.jfork.spi.TemplateProvider;
}

/** jfork RPC: Kryo-framed calls, events and clear failures over a fork's channel (AnyEvent::Fork::RPC). */
module dev.jfork.rpc {
    requires transitive dev.jfork;
    requires com.esotericsoftware.kryo;
    requires org.objenesis;
    requires com.github.benmanes.caffeine;

    exports dev.jfork.rpc;
    exports dev.jfork.rpc.internal to dev.jfork.pool;
}

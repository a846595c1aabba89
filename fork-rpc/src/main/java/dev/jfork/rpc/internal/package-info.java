/**
 * Implementation of fork-rpc: framing ({@link dev.jfork.rpc.internal.Frames},
 * {@link dev.jfork.rpc.internal.FrameReader}, {@link dev.jfork.rpc.internal.FrameWriter}), the
 * parent's connection ({@code Connection}, {@link dev.jfork.rpc.internal.ClientHandle}), the
 * child's server ({@link dev.jfork.rpc.internal.RpcServer}), serializers and error reports. Not an
 * API: may change in any release.
 */
package dev.jfork.rpc.internal;

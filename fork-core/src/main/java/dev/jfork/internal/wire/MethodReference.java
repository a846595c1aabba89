package dev.jfork.internal.wire;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.lang.invoke.MethodHandleInfo;

/**
 * The static method a serializable method reference names ({@code Worker::run}), as the
 * {@code "pkg.Cls::method"} string jfork sends to a child. Read from the reference's
 * {@code SerializedLambda} through serialization itself (no reflection into the caller's class, so
 * it works for classes in named modules too); a lambda, a reference to an instance method or one
 * that captures a value is refused, with what to pass instead.
 */
public final class MethodReference {
    private MethodReference() {}

    /**
     * The function name of {@code ref}.
     *
     * @param descriptor the JVM method descriptor the static method must have, e.g.
     *                   {@code (Ldev/jfork/ForkChannel;Ldev/jfork/ForkArgs;)V}
     * @param declaration how that method is declared, for the error text
     * @throws IllegalArgumentException if it is not a reference to such a static method
     */
    public static String functionName(Serializable ref, String descriptor, String declaration) {
        Shape s = shapeOf(ref);
        String what = "a " + simple(s.functionalInterfaceClass);
        if (s.implMethodName.startsWith("lambda$")) {
            throw new IllegalArgumentException(what + " given as a lambda: a child cannot run a lambda's code; pass a method"
                    + " reference to a static method declared " + declaration + ", such as Worker::run (or its name as a String)");
        }
        String method = s.implClass.replace('/', '.') + "::" + s.implMethodName;
        if (s.implMethodKind != MethodHandleInfo.REF_invokeStatic) {
            throw new IllegalArgumentException(what + " given as " + method + ", which is not a static method: pass a"
                    + " reference to a static method declared " + declaration);
        }
        if (s.capturedArgs != null && s.capturedArgs.length > 0) {
            throw new IllegalArgumentException(what + " given as " + method + " capturing " + s.capturedArgs.length
                    + " value(s): only the method's name reaches the child; pass a reference that captures nothing");
        }
        if (!s.implMethodSignature.equals(descriptor)) {
            throw new IllegalArgumentException(what + " given as " + method + ", whose signature " + s.implMethodSignature
                    + " is not the one a child calls: declare it " + declaration);
        }
        return method;
    }

    private static String simple(String internalName) {
        return internalName.substring(internalName.lastIndexOf('/') + 1).replace('$', '.');
    }

    /**
     * The fields of {@code java.lang.invoke.SerializedLambda}, read in its stead: same names,
     * types and serialVersionUID, so the serialized form of any lambda reads into it.
     */
    static final class Shape implements Serializable {
        private static final long serialVersionUID = 8025925345765570181L;

        Class<?> capturingClass;
        String functionalInterfaceClass;
        String functionalInterfaceMethodName;
        String functionalInterfaceMethodSignature;
        String implClass;
        String implMethodName;
        String implMethodSignature;
        int implMethodKind;
        String instantiatedMethodType;
        Object[] capturedArgs;
    }

    private static Shape shapeOf(Serializable ref) {
        if (ref == null) {
            throw new NullPointerException("function");
        }
        if (!ref.getClass().isSynthetic() && ref.getClass().getName().indexOf('/') < 0) {
            throw new IllegalArgumentException("a " + ref.getClass().getName() + " object is not a method reference: pass one,"
                    + " such as Worker::run");
        }
        byte[] bytes;
        try (ByteArrayOutputStream b = new ByteArrayOutputStream(); ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(ref);
            out.flush();
            bytes = b.toByteArray();
        } catch (java.io.NotSerializableException e) {
            throw new IllegalArgumentException("a function that captures a value (a " + e.getMessage() + "): only a static"
                    + " method's name reaches the child; pass a reference to a static method that captures nothing, such as"
                    + " Worker::run", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the method a function reference names: " + e, e);
        }
        try (ObjectInputStream in = new ShapeReader(new ByteArrayInputStream(bytes))) {
            Object o = in.readObject();
            if (!(o instanceof Shape)) {
                throw new IllegalArgumentException("not a method reference: " + ref);
            }
            return (Shape) o;
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalArgumentException("cannot read the method a function reference names: " + e, e);
        }
    }

    /** Reads a serialized lambda as a {@link Shape} (and so never runs the lambda's own deserialization). */
    private static final class ShapeReader extends ObjectInputStream {
        ShapeReader(InputStream in) throws IOException {
            super(in);
        }

        @Override
        protected ObjectStreamClass readClassDescriptor() throws IOException, ClassNotFoundException {
            ObjectStreamClass d = super.readClassDescriptor();
            return d.getName().equals("java.lang.invoke.SerializedLambda") ? ObjectStreamClass.lookup(Shape.class) : d;
        }
    }
}

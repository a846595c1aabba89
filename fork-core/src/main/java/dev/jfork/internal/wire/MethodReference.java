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
        if (s.capturedArgs != null && s.capturedArgs.length > 0) {
            throw new IllegalArgumentException(what + " given as " + method + ", a function that captures a value ("
                    + s.capturedArgs.length + "): only a static method's name reaches the child; pass a reference to a static"
                    + " method that captures nothing, such as Worker::run");
        }
        if (s.implMethodKind != MethodHandleInfo.REF_invokeStatic) {
            throw new IllegalArgumentException(what + " given as " + method + ", which is not a static method: pass a"
                    + " reference to a static method declared " + declaration);
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

    /**
     * The shape read once per lambda class: what a reference names and captures is fixed by its
     * class, and serializing it costs ~0.5 ms while the JIT has not compiled serialization (a
     * program's first forks), which would otherwise delay every {@code run(Worker::run)}.
     */
    private static final ClassValue<Shape[]> SHAPES = new ClassValue<>() {
        @Override
        protected Shape[] computeValue(Class<?> type) {
            return new Shape[1]; // filled on first successful read: a failed read is not cached
        }
    };

    private static Shape shapeOf(Serializable ref) {
        if (ref == null) {
            throw new NullPointerException("function");
        }
        if (!ref.getClass().isSynthetic() && ref.getClass().getName().indexOf('/') < 0) {
            throw new IllegalArgumentException("a " + ref.getClass().getName() + " object is not a method reference: pass one,"
                    + " such as Worker::run");
        }
        Shape[] cached = SHAPES.get(ref.getClass());
        Shape s = cached[0];
        if (s == null) {
            s = readShape(ref);
            if (s.capturedArgs != null) {
                s.capturedArgs = new Object[s.capturedArgs.length]; // only their number is used: keep no caller's values
            }
            cached[0] = s; // a benign race: two threads read the same shape
        }
        return s;
    }

    /**
     * The shape through the reference's own {@code writeReplace} where this module may call it
     * (the caller's package is open to it: always on the class path), else through serialization.
     * The first costs a program's first {@code run(Worker::run)} well under a millisecond; the
     * second ~50 ms (setting up Java serialization), measured on JDK 17.
     */
    private static Shape readShape(Serializable ref) {
        try {
            java.lang.reflect.Method writeReplace = ref.getClass().getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            Object replaced = writeReplace.invoke(ref);
            if (replaced instanceof java.lang.invoke.SerializedLambda) {
                java.lang.invoke.SerializedLambda l = (java.lang.invoke.SerializedLambda) replaced;
                Shape s = new Shape();
                s.functionalInterfaceClass = l.getFunctionalInterfaceClass();
                s.implClass = l.getImplClass();
                s.implMethodName = l.getImplMethodName();
                s.implMethodSignature = l.getImplMethodSignature();
                s.implMethodKind = l.getImplMethodKind();
                s.capturedArgs = new Object[l.getCapturedArgCount()];
                return s;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not open to this module (a named module that does not open the package): serialize
        }
        return serializedShape(ref);
    }

    private static Shape serializedShape(Serializable ref) {
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

using System.Reflection;
using System.Runtime.CompilerServices;

namespace Tally.Tests.Support;

/// <summary>
/// Describes an assembly's public surface as sorted text, one line per type or member, each line
/// naming its type: a change shows in a diff as exactly the lines added and removed.
/// </summary>
/// <remarks>
/// Covers public and protected members with C# type names and nullable annotations, parameter
/// modifiers and default values, and the kind of every type. Generic constraints and attributes are
/// left out: they change rarely and the compiler checks them.
/// </remarks>
internal static class PublicApi
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<Type, string> s_keywords = new()
    {
        [typeof(void)] = "void",
        [typeof(object)] = "object",
        [typeof(string)] = "string",
        [typeof(bool)] = "bool",
        [typeof(byte)] = "byte",
        [typeof(sbyte)] = "sbyte",
        [typeof(char)] = "char",
        [typeof(short)] = "short",
        [typeof(ushort)] = "ushort",
        [typeof(int)] = "int",
        [typeof(uint)] = "uint",
        [typeof(long)] = "long",
        [typeof(ulong)] = "ulong",
        [typeof(float)] = "float",
        [typeof(double)] = "double",
        [typeof(decimal)] = "decimal",
    };

    public static string Describe(Assembly assembly)
    {
        var nullability = new NullabilityInfoContext();
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            string name = TypeName(type);
            lines.Add($"{name}: {Kind(type)}{Bases(type)}");
            if (typeof(Delegate).IsAssignableFrom(type))
            {
                lines.Add($"{name}: invoke {Method(type.GetMethod("Invoke")!, nullability)}");
                continue;
            }

            foreach (var member in type.GetMembers(Declared).Where(IsVisible))
            {
                if (Describe(member, nullability) is { } text)
                {
                    lines.Add($"{name}: {text}");
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines) + "\n";
    }

    private static bool IsVisible(MemberInfo member) => member switch
    {
        MethodBase m => (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly) && !m.Name.StartsWith('<'),
        FieldInfo f => (f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly) && !f.Name.StartsWith('<'),
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(IsVisible),
        EventInfo e => e.AddMethod is { } add && IsVisible(add),
        _ => false,
    };

    private static string? Describe(MemberInfo member, NullabilityInfoContext nullability) => member switch
    {
        ConstructorInfo c => $"{Access(c)}ctor({Parameters(c, nullability)})",
        MethodInfo m when m.IsSpecialName && !m.Name.StartsWith("op_", StringComparison.Ordinal) => null,
        MethodInfo m => Method(m, nullability),
        PropertyInfo p => Property(p, nullability),
        FieldInfo f when f.DeclaringType!.IsEnum => f.IsStatic ? $"value {f.Name} = {Convert.ToInt64(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}" : null,
        FieldInfo f => $"{Access(f)}{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{(f.IsInitOnly ? "readonly " : "")}field {TypeName(f.FieldType, nullability.Create(f))} {f.Name}"
            + (f.IsLiteral ? $" = {Literal(f.GetRawConstantValue())}" : ""),
        EventInfo e => $"event {TypeName(e.EventHandlerType!, nullability.Create(e))} {e.Name}",
        _ => null,
    };

    private static string Method(MethodInfo m, NullabilityInfoContext nullability)
    {
        string modifiers = m.IsStatic ? "static "
            : m.IsAbstract ? "abstract "
            : m.GetBaseDefinition() != m ? "override "
            : m.IsVirtual && !m.IsFinal ? "virtual "
            : "";
        string generic = m.IsGenericMethod ? $"<{string.Join(", ", m.GetGenericArguments().Select(a => a.Name))}>" : "";
        return $"{Access(m)}{modifiers}method {TypeName(m.ReturnType, nullability.Create(m.ReturnParameter))} {m.Name}{generic}({Parameters(m, nullability)})";
    }

    private static string Property(PropertyInfo p, NullabilityInfoContext nullability)
    {
        var accessors = new List<string>();
        if (p.GetMethod is { } get && IsVisible(get))
        {
            accessors.Add(get.IsFamily ? "protected get;" : "get;");
        }

        if (p.SetMethod is { } set && IsVisible(set))
        {
            bool init = set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
            accessors.Add(init ? "init;" : "set;");
        }

        var accessor = p.GetMethod ?? p.SetMethod!;
        string modifiers = accessor.IsStatic ? "static " : accessor.IsAbstract ? "abstract " : accessor.GetBaseDefinition() != accessor ? "override " : accessor.IsVirtual && !accessor.IsFinal ? "virtual " : "";
        string index = p.GetIndexParameters() is { Length: > 0 } indexes ? $"[{string.Join(", ", indexes.Select(i => Parameter(i, nullability)))}]" : "";
        return $"{modifiers}property {TypeName(p.PropertyType, nullability.Create(p))} {p.Name}{index} {{ {string.Join(' ', accessors)} }}";
    }

    private static string Parameters(MethodBase method, NullabilityInfoContext nullability)
        => string.Join(", ", method.GetParameters().Select(p => Parameter(p, nullability)));

    private static string Parameter(ParameterInfo p, NullabilityInfoContext nullability)
    {
        var type = p.ParameterType;
        string modifier = "";
        if (type.IsByRef)
        {
            modifier = p.IsOut ? "out " : p.IsIn || p.GetCustomAttributes().Any(a => a.GetType().Name == "IsReadOnlyAttribute") ? "in " : "ref ";
            type = type.GetElementType()!;
        }

        if (p.GetCustomAttribute<ParamArrayAttribute>() is not null)
        {
            modifier += "params ";
        }

        string text = $"{modifier}{TypeName(type, nullability.Create(p))} {p.Name}";
        if (!p.HasDefaultValue)
        {
            return text;
        }

        bool defaultStruct = p.RawDefaultValue is null && type.IsValueType && Nullable.GetUnderlyingType(type) is null;
        return $"{text} = {(defaultStruct ? "default" : Literal(p.RawDefaultValue))}";
    }

    private static string Access(MethodBase m) => m.IsFamily || m.IsFamilyOrAssembly ? "protected " : "";

    private static string Access(FieldInfo f) => f.IsFamily || f.IsFamilyOrAssembly ? "protected " : "";

    private static string Kind(Type type)
    {
        if (type.IsEnum)
        {
            return "enum";
        }

        if (type.IsInterface)
        {
            return "interface";
        }

        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return "delegate";
        }

        bool record = type.GetMethod("<Clone>$") is not null || (type.IsValueType && type.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null);
        if (type.IsValueType)
        {
            string readOnly = type.GetCustomAttributes().Any(a => a.GetType().Name == "IsReadOnlyAttribute") ? "readonly " : "";
            return $"{readOnly}{(record ? "record struct" : "struct")}";
        }

        string kind = record ? "record" : "class";
        return type.IsAbstract && type.IsSealed ? $"static {kind}" : type.IsAbstract ? $"abstract {kind}" : type.IsSealed ? $"sealed {kind}" : kind;
    }

    private static string Bases(Type type)
    {
        if (type.IsEnum || typeof(Delegate).IsAssignableFrom(type))
        {
            return "";
        }

        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType))
        {
            bases.Add(TypeName(baseType));
        }

        bases.AddRange(type.GetInterfaces().Select(i => TypeName(i)).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? "" : " : " + string.Join(", ", bases);
    }

    private static string TypeName(Type type, NullabilityInfo? nullability = null)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return TypeName(underlying) + "?";
        }

        string suffix = nullability?.ReadState == NullabilityState.Nullable && !type.IsValueType ? "?" : "";
        if (type.IsArray)
        {
            return $"{TypeName(type.GetElementType()!, nullability?.ElementType)}[]{suffix}";
        }

        if (type.IsGenericParameter)
        {
            // Unannotated type parameters read as nullable through reflection; T? is rare enough to leave out.
            return type.Name;
        }

        if (s_keywords.TryGetValue(type, out string? keyword))
        {
            return keyword + suffix;
        }

        string name = type.IsNested ? $"{TypeName(type.DeclaringType!)}.{type.Name}" : $"{type.Namespace}.{type.Name}";
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        if (type.IsGenericType)
        {
            var arguments = type.GetGenericArguments();
            var own = type.IsNested ? arguments.Skip(type.DeclaringType!.GetGenericArguments().Length).ToArray() : arguments;
            if (own.Length > 0)
            {
                var annotated = nullability?.GenericTypeArguments;
                int skip = arguments.Length - own.Length;
                name += $"<{string.Join(", ", own.Select((a, i) => TypeName(a, annotated is { Length: > 0 } n && n.Length > skip + i ? n[skip + i] : null)))}>";
            }
        }

        return name + suffix;
    }

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

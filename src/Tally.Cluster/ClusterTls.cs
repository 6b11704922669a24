using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tally.Cluster;

/// <summary>
/// Mutual TLS between the silos of a cluster: every member presents <see cref="Certificate"/>, and
/// accepts a peer only if the peer's certificate chains to one of <see cref="Authorities"/> or,
/// with none given, is the very same certificate as its own.
/// </summary>
/// <remarks>
/// <para>
/// Identity is membership, not a host name: any certificate the cluster's CA issued is a member,
/// whatever address it connects from (nodes come and go on addresses nobody fixed in advance), so
/// the CA must issue certificates for this cluster only. Names and addresses in the certificate
/// are not checked. Revocation is not checked either (no CRL or OCSP is fetched, so nothing a
/// peer's certificate names is ever downloaded): to shut a member out, issue a new CA and new
/// certificates to the others.
/// </para>
/// <para>
/// With no authority, every member is given the same certificate (with its key), and a peer must
/// present that certificate, compared by its SHA-256 hash: the simplest sound setup for a few
/// machines, at the cost that the one key is on every machine.
/// </para>
/// </remarks>
public sealed class ClusterTls
{
    /// <summary>The password of a <c>--tls-certificate</c> file, read from the environment (never from the command line).</summary>
    public const string PasswordVariable = "TALLY_TLS_PASSWORD";

    private readonly byte[] _pin;

    /// <summary>Mutual TLS with <paramref name="certificate"/>, trusting peers issued by <paramref name="authorities"/>, or only the same certificate if none.</summary>
    /// <param name="certificate">This member's certificate, with its private key.</param>
    /// <param name="authorities">The cluster's CA certificates (their keys are not needed); null or empty: pin <paramref name="certificate"/>.</param>
    /// <exception cref="ArgumentException">The certificate has no private key, or cannot serve both ends of a connection.</exception>
    public ClusterTls(X509Certificate2 certificate, IEnumerable<X509Certificate2>? authorities = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("the certificate has no private key; give the file that holds both", nameof(certificate));
        }

        // Every silo both accepts connections and opens them, so its one certificate is presented
        // as a server's and as a client's; Orleans refuses one whose extended key usage says otherwise.
        if (certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } usage)
        {
            var oids = usage.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToHashSet(StringComparer.Ordinal);
            if (!oids.Contains(ServerAuthentication) || !oids.Contains(ClientAuthentication))
            {
                throw new ArgumentException("the certificate's extended key usage must include both serverAuth and clientAuth (or be left out): every member is a server and a client", nameof(certificate));
            }
        }

        Certificate = certificate;
        Authorities = [.. authorities ?? []];
        _pin = certificate.GetCertHash(HashAlgorithmName.SHA256);
    }

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>This member's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificates a peer's chain must end at; empty when peers must present <see cref="Certificate"/> itself.</summary>
    public IReadOnlyList<X509Certificate2> Authorities { get; }

    /// <summary>What a peer must present, in words, for messages.</summary>
    public string Trust => Authorities.Count == 0
        ? $"the same certificate as this member's ({Certificate.Subject})"
        : $"a certificate issued by {string.Join(" or ", Authorities.Select(a => a.Subject))}";

    /// <summary>Whether a peer that presented <paramref name="remote"/> is a member; if not, why not.</summary>
    /// <param name="remote">The peer's certificate.</param>
    /// <param name="presented">The chain the TLS layer built for it, whose extra certificates may be the peer's intermediates; may be null.</param>
    /// <param name="reason">Why the peer is refused; empty when it is accepted.</param>
    public bool Accepts(X509Certificate2 remote, X509Chain? presented, out string reason)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (Authorities.Count == 0)
        {
            // The TLS layer's own verdict (an untrusted, self-signed root) is ignored on purpose:
            // the pin is the whole of the trust, and the same certificate is valid for us as for them.
            if (!CryptographicOperations.FixedTimeEquals(remote.GetCertHash(HashAlgorithmName.SHA256), _pin))
            {
                reason = $"its certificate ({remote.Subject}) is not the same as this member's, and no --tls-ca was given";
                return false;
            }

            var now = DateTime.Now;
            if (now < remote.NotBefore || now > remote.NotAfter)
            {
                reason = $"the shared certificate is valid only from {remote.NotBefore:u} to {remote.NotAfter:u}";
                return false;
            }

            reason = "";
            return true;
        }

        // A chain of our own, anchored at the cluster's CA only: the machine's trusted roots count
        // for nothing here, a certificate from a public CA is a stranger like any other.
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authorities.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (chain.Build(remote))
        {
            reason = "";
            return true;
        }

        string problems = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal));
        reason = $"its certificate ({remote.Subject}, issued by {remote.Issuer}) does not chain to the cluster's CA ({string.Join(", ", Authorities.Select(a => a.Subject))}){(problems.Length > 0 ? $": {problems}" : "")}";
        return false;
    }

    /// <summary>
    /// Loads a member's certificate and the cluster's CA from files: <paramref name="certificatePath"/>
    /// is PKCS#12 (.pfx, .p12) or PEM (the certificate and its private key in one file, the key
    /// optionally encrypted), <paramref name="authorityPath"/> a PEM (one or more certificates) or DER file.
    /// </summary>
    /// <param name="certificatePath">The member's certificate and key.</param>
    /// <param name="authorityPath">The cluster's CA, or null to pin the certificate.</param>
    /// <param name="password">The PKCS#12 file's or the encrypted PEM key's password; null if none.</param>
    /// <exception cref="TallyInputException">A file is missing, unreadable, of another kind, or the password is wrong; the message names the file.</exception>
    public static ClusterTls Load(string certificatePath, string? authorityPath, string? password)
    {
        ArgumentNullException.ThrowIfNull(certificatePath);
        var certificate = LoadCertificate(certificatePath, password);
        X509Certificate2Collection? authorities = null;
        if (authorityPath is not null)
        {
            authorities = LoadAuthorities(authorityPath);
        }

        var now = DateTime.Now;
        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            throw new TallyInputException($"--tls-certificate {certificatePath}: the certificate is valid only from {certificate.NotBefore:u} to {certificate.NotAfter:u}");
        }

        try
        {
            var tls = new ClusterTls(certificate, authorities);

            // A member whose own certificate its trust refuses could never join: say so now, not after --join-timeout.
            if (!tls.Accepts(certificate, null, out string reason))
            {
                throw new TallyInputException($"--tls-certificate {certificatePath}: refused by its own --tls-ca {authorityPath}: {reason}");
            }

            return tls;
        }
        catch (ArgumentException e)
        {
            throw new TallyInputException($"--tls-certificate {certificatePath}: {e.Message.Split(" (Parameter", 2)[0]}", e);
        }
    }

    private static X509Certificate2 LoadCertificate(string path, string? password)
    {
        byte[] bytes = ReadFile("--tls-certificate", path);
        try
        {
            if (IsPem(bytes))
            {
                // One file: the certificate (first) and its key. An encrypted key needs the password.
                string text = System.Text.Encoding.ASCII.GetString(bytes);
                if (!text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
                {
                    throw new TallyInputException($"--tls-certificate {path}: has no private key; give a PEM file holding the certificate and its key, or a PKCS#12 (.pfx) file");
                }

                return text.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal)
                    ? X509Certificate2.CreateFromEncryptedPem(text, text, password ?? throw new TallyInputException($"--tls-certificate {path}: its private key is encrypted; set {PasswordVariable} to its password"))
                    : X509Certificate2.CreateFromPem(text, text);
            }

            var certificate = X509CertificateLoader.LoadPkcs12(bytes, password, X509KeyStorageFlags.EphemeralKeySet);
            if (!certificate.HasPrivateKey)
            {
                throw new TallyInputException($"--tls-certificate {path}: has no private key");
            }

            return certificate;
        }
        catch (CryptographicException e)
        {
            string hint = password is null
                ? $" (if it has a password, set {PasswordVariable})"
                : $" (is {PasswordVariable} its password?)";
            throw new TallyInputException($"--tls-certificate {path}: cannot be read as a PKCS#12 or PEM certificate with its key: {e.Message.TrimEnd('.')}{hint}", e);
        }
    }

    private static X509Certificate2Collection LoadAuthorities(string path)
    {
        byte[] bytes = ReadFile("--tls-ca", path);
        var authorities = new X509Certificate2Collection();
        try
        {
            if (IsPem(bytes))
            {
                authorities.ImportFromPem(System.Text.Encoding.ASCII.GetString(bytes));
            }
            else
            {
                authorities.Add(X509CertificateLoader.LoadCertificate(bytes));
            }
        }
        catch (CryptographicException e)
        {
            throw new TallyInputException($"--tls-ca {path}: cannot be read as a PEM or DER certificate: {e.Message.TrimEnd('.')}", e);
        }

        if (authorities.Count == 0)
        {
            throw new TallyInputException($"--tls-ca {path}: holds no certificate");
        }

        return authorities;
    }

    private static byte[] ReadFile(string flag, string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TallyInputException($"{flag} {path}: {(e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message)}", e);
        }
    }

    private static bool IsPem(byte[] bytes) => bytes.AsSpan().IndexOf("-----BEGIN "u8) >= 0;
}

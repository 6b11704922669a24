using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tally.Testing;

/// <summary>
/// Certificates made for a test, as the README's openssl commands make them: a cluster CA, members
/// it issues (usable as TLS server and client), and strangers. ECDSA P-256 keys: quick to make.
/// </summary>
public static class TestCertificates
{
    private static readonly TimeSpan s_margin = TimeSpan.FromHours(1);

    /// <summary>A self-signed CA certificate with its key.</summary>
    public static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow - s_margin, DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>A member's certificate issued by <paramref name="authority"/>, with its key.</summary>
    public static X509Certificate2 Member(X509Certificate2 authority, string name)
    {
        ArgumentNullException.ThrowIfNull(authority);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = MemberRequest(name, key);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        // Within the CA's own validity, as the issuing API requires.
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(12));
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>A self-signed member certificate: a stranger to any CA, or the one certificate every member shares.</summary>
    public static X509Certificate2 SelfSigned(string name, bool serverOnly = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = MemberRequest(name, key, serverOnly);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow - s_margin, DateTimeOffset.UtcNow.AddDays(7));
    }

    /// <summary>Writes the certificate and its key as one PEM file.</summary>
    public static string WritePem(X509Certificate2 certificate, string path)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string key = certificate.GetECDsaPrivateKey() is { } ecdsa ? ecdsa.ExportPkcs8PrivateKeyPem() : "";
        File.WriteAllText(path, certificate.ExportCertificatePem() + "\n" + key + "\n");
        return path;
    }

    /// <summary>Writes the certificate alone (no key) as PEM: a CA file.</summary>
    public static string WriteCertificatePem(X509Certificate2 certificate, string path)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        File.WriteAllText(path, certificate.ExportCertificatePem() + "\n");
        return path;
    }

    /// <summary>Writes the certificate and its key as PKCS#12, with <paramref name="password"/> (null: none).</summary>
    public static string WritePfx(X509Certificate2 certificate, string path, string? password)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    private static CertificateRequest MemberRequest(string name, ECDsa key, bool serverOnly = false)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        var usages = new OidCollection { new("1.3.6.1.5.5.7.3.1") };
        if (!serverOnly)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request;
    }
}

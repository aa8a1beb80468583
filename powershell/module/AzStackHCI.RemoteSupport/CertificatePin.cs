// Compiled by the module with Add-Type (C# 5, so Windows PowerShell 5.1's compiler reads it too).
// HttpClient runs the certificate callback on a thread-pool thread that has no PowerShell runspace,
// so the check cannot be a script block: it is this class.
using System;
using System.Net.Http;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AzStackHCI.RemoteSupport
{
    /// <summary>
    /// Trusts exactly one TLS leaf certificate: the one whose DER encoding has the configured SHA-256.
    /// The pin replaces the chain and name checks (the gateway's certificate is usually self-signed).
    /// </summary>
    public sealed class CertificatePin
    {
        private readonly string expected;
        private volatile string lastSeen;

        public CertificatePin(string expectedSha256)
        {
            if (expectedSha256 == null) throw new ArgumentNullException("expectedSha256");
            expected = expectedSha256.ToLowerInvariant();
        }

        /// <summary>The pinned hash, lowercase hex.</summary>
        public string Expected { get { return expected; } }

        /// <summary>The hash of the certificate the server last presented, or null before any handshake.</summary>
        public string LastSeen { get { return lastSeen; } }

        public bool Matches(X509Certificate2 certificate)
        {
            if (certificate == null) return false;
            string seen = Sha256Hex(certificate.RawData);
            lastSeen = seen;
            return string.Equals(seen, expected, StringComparison.Ordinal);
        }

        /// <summary>
        /// A handler that accepts only the pinned certificate, over TLS 1.2 (and 1.3 where the
        /// runtime offers it), with no proxy, no redirects and no cookies.
        /// </summary>
        public HttpClientHandler CreateHandler(bool allowTls13)
        {
            HttpClientHandler handler = new HttpClientHandler();
            handler.UseProxy = false;
            handler.AllowAutoRedirect = false;
            handler.UseCookies = false;
            SslProtocols protocols = SslProtocols.Tls12;
            SslProtocols tls13;
            if (allowTls13 && Enum.TryParse("Tls13", out tls13)) protocols |= tls13;
            handler.SslProtocols = protocols;
            handler.ServerCertificateCustomValidationCallback = (request, certificate, chain, errors) => Matches(certificate);
            return handler;
        }

        public static string Sha256Hex(byte[] data)
        {
            using (SHA256 sha = SHA256.Create())
            {
                byte[] hash = sha.ComputeHash(data);
                StringBuilder text = new StringBuilder(hash.Length * 2);
                foreach (byte b in hash) text.Append(b.ToString("x2"));
                return text.ToString();
            }
        }
    }
}

//! Tests of HTTP signatures: the fixtures all of them share are here, the tests one file a
//! concern.

mod golden;
mod keys;
mod mutations;
mod parsing;
mod properties;

use super::*;
use axum::http::{HeaderName, HeaderValue};

// Fixtures. The keys were generated once with OpenSSL 3 (`openssl genpkey -algorithm RSA
// -pkeyopt rsa_keygen_bits:2048`, then `openssl rsa -traditional` / `-RSAPublicKey_out` for
// the PKCS#1 forms) and serve only these tests. The golden signatures were computed with
// `openssl dgst -sha256 -sign`, independently of this module.

const KEY_ID: &str = "https://rookery.example/users/alice#main-key";
const HOST: &str = "remote.example";
/// 2024-03-09T12:00:00Z, the frozen "now" of every test.
const NOW_UNIX: i64 = 1_709_985_600;
const DATE: &str = "Sat, 09 Mar 2024 12:00:00 GMT";
const CONTENT_TYPE: &str = "application/activity+json";
const BODY: &[u8] = br#"{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow","actor":"https://rookery.example/users/alice","object":"https://remote.example/users/bob"}"#;
const BODY_DIGEST: &str = "SHA-256=XVYfaaHG4/koIyik7SOH5TUos2s4Ps62d6QtbFvTT4Q=";

const POST_SIGNING_STRING: &str = "(request-target): post /users/bob/inbox\n\
    host: remote.example\n\
    date: Sat, 09 Mar 2024 12:00:00 GMT\n\
    digest: SHA-256=XVYfaaHG4/koIyik7SOH5TUos2s4Ps62d6QtbFvTT4Q=\n\
    content-type: application/activity+json";
const POST_SIGNATURE: &str = "SuWU6nRhRmVGmvouLDoRHePjHugIB3FNSw5paJ8Sn2qzV6NOAmwPnLYoQzYOttmQ9aLTyE8XLMg5CGVxxG/j3yAZ5zgEJ6Mj65eK2MW59faMikXqdQDpBNFuXQ51FyLVhQ7MjCNgeu9CNRBclPd7EUvubz4raXOJBhpD9hPUvuEBTKZazu3u6oLLRvWe/kliQ/zGLGPcRvXPbMl+M1XXIDkPB98S5/bUY1U7kd3tK0x2ay21ygmjLq0pkoMDPPXICovIHxUbmHaIC2qFPPPUjhXxPTPFGrhfaCiZg1i9NMb8vAuZkbTXUa8y5rCWUm40UZIfJaCPEtxB0B6CkWhP+w==";

const GET_SIGNING_STRING: &str = "(request-target): get /users/bob\n\
    host: remote.example\n\
    date: Sat, 09 Mar 2024 12:00:00 GMT";
const GET_SIGNATURE: &str = "1bacyOc8QvP6yS0Mt66G2JigpF8YL7koLg4ThXa5KAcACwiKTdAzz7LyXNfQSiZ7YZ0zD6Lj1zXzriaXw6E2ZikkeERXLXSEmr5ODpq1eJP+FXP4qTr1Lxu2htPQNwwzSoa+lUDw7CzVm/B4itlXHcsO72HZurriD2CIZWYwYMIDnZY2MDp0X2DhyZn0Lhq90P3EKKNk0PMZ59xjCGeJtRij2xtIOPOEW7KFZeILzL6yCZIw26/BiCg6JdVQsWW3eyxkRcf8ecrQdNYznswnnU4ZRqCe98toAXUDDGCn/HKBsaI+SfvWfCdnTBCYUtnsP9EIKG2smb6SyRmoyLV3Pw==";

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(NOW_UNIX, 0).expect("a valid timestamp")
}

fn key_a() -> SigningKey {
    SigningKey::from_pem(KEY_A_PKCS8).expect("key A parses")
}

fn public_a() -> VerifyingKey {
    VerifyingKey::from_pem(PUBLIC_A_SPKI).expect("public key A parses")
}

/// A request as the inbox sees it.
#[derive(Clone, Debug)]
struct Request {
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
}

impl Request {
    fn set(&mut self, name: &str, value: &str) {
        self.headers.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
            HeaderValue::from_str(value).expect("a header value"),
        );
    }

    fn remove(&mut self, name: &str) {
        self.headers.remove(name);
    }

    fn signature_header(&self) -> String {
        self.headers
            .get("signature")
            .and_then(|v| v.to_str().ok())
            .expect("a Signature header")
            .to_owned()
    }

    /// Replaces `from` by `to` in the Signature header.
    fn edit_signature(&mut self, from: &str, to: &str) {
        let edited = self.signature_header().replace(from, to);
        assert_ne!(
            edited,
            self.signature_header(),
            "the edit must change something"
        );
        self.set("signature", &edited);
    }

    fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    fn verify_with(&self, key: &VerifyingKey, now: DateTime<Utc>) -> Result<(), SignatureError> {
        let params = parse_signature_header(&self.signature_header())?;
        verify_request(
            &params,
            &self.method,
            &self.path,
            self.query.as_deref(),
            &self.headers,
            self.body.as_deref(),
            key,
            now,
        )
    }

    fn verify(&self) -> Result<(), SignatureError> {
        self.verify_with(&public_a(), now())
    }

    /// Signs this request anew with key A over `names`, with extra parameters.
    fn resign(
        &mut self,
        names: &[&str],
        algorithm: &str,
        created: Option<&str>,
        expires: Option<&str>,
    ) {
        let string = signing_string(
            names,
            &self.method,
            &self.target(),
            created,
            expires,
            &self.headers,
        )
        .expect("the signing string builds");
        let signature = STANDARD.encode(key_a().sign(string.as_bytes()));
        let mut header = format!(
            "keyId=\"{KEY_ID}\",algorithm=\"{algorithm}\",headers=\"{}\"",
            names.join(" ")
        );
        if let Some(c) = created {
            header.push_str(&format!(",created={c}"));
        }
        if let Some(e) = expires {
            header.push_str(&format!(",expires={e}"));
        }
        header.push_str(&format!(",signature=\"{signature}\""));
        self.set("signature", &header);
    }
}

/// Signs a request with key A through [`sign_request`] and returns it as received.
fn signed(
    method: &str,
    path: &str,
    query: Option<&str>,
    date: &str,
    body: Option<&[u8]>,
) -> Request {
    let mut request = Request {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.map(str::to_owned),
        headers: HeaderMap::new(),
        body: body.map(<[u8]>::to_vec),
    };
    let content_type = body.map(|_| CONTENT_TYPE);
    let signed = sign_request(
        &key_a(),
        KEY_ID,
        method,
        &request.target(),
        HOST,
        date,
        body,
        content_type,
    );
    request.set("host", HOST);
    if let Some(ct) = content_type {
        request.set("content-type", ct);
    }
    for (name, value) in signed.pairs() {
        request.set(name, value);
    }
    request
}

fn post() -> Request {
    signed("POST", "/users/bob/inbox", None, DATE, Some(BODY))
}

fn get() -> Request {
    signed("GET", "/users/bob", None, DATE, None)
}

// --- Key fixtures -------------------------------------------------------------------

/// Key A, private, PKCS#8 (the form `crate::crypto` stores).
const KEY_A_PKCS8: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDeWyFHMPfIGvPV
lfzyeJM6VS6dETnWCbX4FzZ9oABY0nV8G7dCUS2qXPyxTVeopNwGn35MV3gsS2Jw
iT2CWd41CvdLH3lVI/v+OTgDU+/p4Lquh+R8Nxh2jkXPHXdg0pRBJEgYrYkxmjtc
306gJhrcAKrN5sE4hlr6m+g1hyGan57ibrBl2/ABD7zLAm6UhoDcAN+4Ujyx6g49
15PIEebRyeE99VUdImYQODlYYtqXqrif3bsDcSn0s4u+3HJSAgLerwYvudF1I6gA
RYlZEz79ZI19MXQ1Xqi92fIDgTgCEi0GNmvMYF5ox078+tbzERquln2JJTZJPvES
lWZnifJ1AgMBAAECggEAAL4kr7sb5MekRLR2I8Lf2QbI+6jU/OBLmDskSTSkM6fA
++EQJ7ujhP6/sFbuDJ0/spJMpsl3Awzdv2WnS9zBfNi0cpmLEKFTZD9sLrn/IpSd
LbE8rpE04XaAXgdUQKxLZvv4Sq7PtxeeYaUe+zLNYv/p53tWbg99f89OrgPCyrmt
WDYipXvSI9J2r0pZVHt/JCf8Dmh9orC7AEWiHG7vX4t4qiSL71XeCIwt6b9GjNp5
TkLTfODNbqr6+S2L9NnnBs5mlTlLhdNe8BGh2XGQ1g38Ebibwv1qi3cKzTKCu4es
HpJw+kqtvdhsNGoSYhEDwhmxfhq1O/0Ja45k2IY4QQKBgQD4ohVA2QD43d+IAWr6
GKDABWMzqg35zaQELOch+G41vQLBLHprsP23XwflgySRHa44OCun/Sf1wGr4qpP6
rEUIFesN3nhu/0TE5XBtDJ3RkUdFy1xIevvr2KliRIMJzcUR7fxzZTD9s3w4Ptqb
JgHA93oRTh6tk2MW+nqpVeh4NQKBgQDk8bsmIQRVmAG2+bE8WvejCPKYNDeKsfOR
a7Pex39G4nsQia5GPCMU6zcAA8xpGB5sQCv8LWngVbaf888VPs0zpUgL20oPx49z
NKwVGJ4Hcl2llx5gI2xYRXcxbVrW8H12BYrkiw78TpWUQN9G2JTE32oULYmx5ZWZ
qy2pL/VZQQKBgQCVYFvAgB+zZSm8/o0VAOLjOtlk2tBWupPF5mxe3nDoXExhXqWW
OdnU54VJAMdhYCGhqS2hWdk+LoKWL3WEbydyOijkRjq5BSh92xL2kVPn6o6Vgh5J
dYoRIjRx05Oeuj+iDAdWFP+gDMuexzRzbhwzoPt3liWcRyaLUaWMQw7N2QKBgB33
TemltK2HYeITOJGPzo32Y9psK0DqHdlQ4ZAtSIl8p2L4wmjLAkSArQhBdwXidEjy
9U7imtMUJP02qko7mBxEa/OxVjZOhoYrxMJWIIkU/RDpgL5QpKPBI+LCT3uGqsVB
4HYdhW6c0pM/EnpxareCDp5pf3ZbeINOloFol5KBAoGBAJ1AFxzIrvRJwqE1a+ku
bggGTblvfNoTAt/NcArSg9BTuiSUkAqf92rRHhyXWl05WA5JvsXmuv6fMmMb4V9y
Gaym6ZQzEeFdOSTXSBygBZ6QE/gCR6b7Bkb2ytr31mifdOOStspIIbyl+1XHniO4
sFMipIoqiqNtkuEEyWh+4wY+
-----END PRIVATE KEY-----
";

/// Key A, private, PKCS#1.
const KEY_A_PKCS1: &str = "\
-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEA3lshRzD3yBrz1ZX88niTOlUunRE51gm1+Bc2faAAWNJ1fBu3
QlEtqlz8sU1XqKTcBp9+TFd4LEticIk9glneNQr3Sx95VSP7/jk4A1Pv6eC6rofk
fDcYdo5Fzx13YNKUQSRIGK2JMZo7XN9OoCYa3ACqzebBOIZa+pvoNYchmp+e4m6w
ZdvwAQ+8ywJulIaA3ADfuFI8seoOPdeTyBHm0cnhPfVVHSJmEDg5WGLal6q4n927
A3Ep9LOLvtxyUgIC3q8GL7nRdSOoAEWJWRM+/WSNfTF0NV6ovdnyA4E4AhItBjZr
zGBeaMdO/PrW8xEarpZ9iSU2ST7xEpVmZ4nydQIDAQABAoIBAAC+JK+7G+THpES0
diPC39kGyPuo1PzgS5g7JEk0pDOnwPvhECe7o4T+v7BW7gydP7KSTKbJdwMM3b9l
p0vcwXzYtHKZixChU2Q/bC65/yKUnS2xPK6RNOF2gF4HVECsS2b7+Equz7cXnmGl
HvsyzWL/6ed7Vm4PfX/PTq4Dwsq5rVg2IqV70iPSdq9KWVR7fyQn/A5ofaKwuwBF
ohxu71+LeKoki+9V3giMLem/RozaeU5C03zgzW6q+vkti/TZ5wbOZpU5S4XTXvAR
odlxkNYN/BG4m8L9aot3Cs0ygruHrB6ScPpKrb3YbDRqEmIRA8IZsX4atTv9CWuO
ZNiGOEECgYEA+KIVQNkA+N3fiAFq+higwAVjM6oN+c2kBCznIfhuNb0CwSx6a7D9
t18H5YMkkR2uODgrp/0n9cBq+KqT+qxFCBXrDd54bv9ExOVwbQyd0ZFHRctcSHr7
69ipYkSDCc3FEe38c2Uw/bN8OD7amyYBwPd6EU4erZNjFvp6qVXoeDUCgYEA5PG7
JiEEVZgBtvmxPFr3owjymDQ3irHzkWuz3sd/RuJ7EImuRjwjFOs3AAPMaRgebEAr
/C1p4FW2n/PPFT7NM6VIC9tKD8ePczSsFRieB3JdpZceYCNsWEV3MW1a1vB9dgWK
5IsO/E6VlEDfRtiUxN9qFC2JseWVmastqS/1WUECgYEAlWBbwIAfs2UpvP6NFQDi
4zrZZNrQVrqTxeZsXt5w6FxMYV6lljnZ1OeFSQDHYWAhoaktoVnZPi6Cli91hG8n
cjoo5EY6uQUofdsS9pFT5+qOlYIeSXWKESI0cdOTnro/ogwHVhT/oAzLnsc0c24c
M6D7d5YlnEcmi1GljEMOzdkCgYAd903ppbSth2HiEziRj86N9mPabCtA6h3ZUOGQ
LUiJfKdi+MJoywJEgK0IQXcF4nRI8vVO4prTFCT9NqpKO5gcRGvzsVY2ToaGK8TC
ViCJFP0Q6YC+UKSjwSPiwk97hqrFQeB2HYVunNKTPxJ6cWq3gg6eaX92W3iDTpaB
aJeSgQKBgQCdQBccyK70ScKhNWvpLm4IBk25b3zaEwLfzXAK0oPQU7oklJAKn/dq
0R4cl1pdOVgOSb7F5rr+nzJjG+FfchmspumUMxHhXTkk10gcoAWekBP4Akem+wZG
9sra99Zon3TjkrbKSCG8pftVx54juLBTIqSKKoqjbZLhBMlofuMGPg==
-----END RSA PRIVATE KEY-----
";

/// Key A, public, SPKI.
const PUBLIC_A_SPKI: &str = "\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3lshRzD3yBrz1ZX88niT
OlUunRE51gm1+Bc2faAAWNJ1fBu3QlEtqlz8sU1XqKTcBp9+TFd4LEticIk9glne
NQr3Sx95VSP7/jk4A1Pv6eC6rofkfDcYdo5Fzx13YNKUQSRIGK2JMZo7XN9OoCYa
3ACqzebBOIZa+pvoNYchmp+e4m6wZdvwAQ+8ywJulIaA3ADfuFI8seoOPdeTyBHm
0cnhPfVVHSJmEDg5WGLal6q4n927A3Ep9LOLvtxyUgIC3q8GL7nRdSOoAEWJWRM+
/WSNfTF0NV6ovdnyA4E4AhItBjZrzGBeaMdO/PrW8xEarpZ9iSU2ST7xEpVmZ4ny
dQIDAQAB
-----END PUBLIC KEY-----
";

/// Key A, public, PKCS#1.
const PUBLIC_A_PKCS1: &str = "\
-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA3lshRzD3yBrz1ZX88niTOlUunRE51gm1+Bc2faAAWNJ1fBu3QlEt
qlz8sU1XqKTcBp9+TFd4LEticIk9glneNQr3Sx95VSP7/jk4A1Pv6eC6rofkfDcY
do5Fzx13YNKUQSRIGK2JMZo7XN9OoCYa3ACqzebBOIZa+pvoNYchmp+e4m6wZdvw
AQ+8ywJulIaA3ADfuFI8seoOPdeTyBHm0cnhPfVVHSJmEDg5WGLal6q4n927A3Ep
9LOLvtxyUgIC3q8GL7nRdSOoAEWJWRM+/WSNfTF0NV6ovdnyA4E4AhItBjZrzGBe
aMdO/PrW8xEarpZ9iSU2ST7xEpVmZ4nydQIDAQAB
-----END RSA PUBLIC KEY-----
";

/// Another key, public, SPKI.
const PUBLIC_B_SPKI: &str = "\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAv5Pyd/Kk3oEqCu69AuY6
a/s03n53oTIPpqCdlAonR42VKjbGAEfEIRXoW0ndPijrXxEGPddtt0vEtHo364mX
/aPHlVhOmgOEceosepfrhmS+gFex5TSsKd3R68O7Y/kT1r9BLwCfIAwimM2hGcbm
5Y4YBQq896WtHd7M3wKx6uGOk2uOyXKPC2J2hU+LDPfcpns33KzRFN5HzKyrnQO2
1Dka0T1xFTQDbX7gEjSHkwFvOkIWPnpfdhXzqRfXO6TYe5QUULAVG59DrrLuWJGE
XD46Gc8Y6ycEz1zuLuWCLeD0GFonANHnZ5ZyfZpnTRhWiyUQQQqms3RWzvT3wugc
cwIDAQAB
-----END PUBLIC KEY-----
";

/// A 1024-bit key, private: too small.
const KEY_1024_PKCS8: &str = "\
-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAOFA4eO67YBh5Br1
Wlnlk6P7jRZHOjS3LtZuFbr4Ai6yVgY/Sa4qenezY7AWhdxj8Qlpb6gWK0qphpe+
/jH9q+gYYYqcjDioGFkfnp7W0OcNvAFJLun9mXT4v5NjU7DJ4nFWW5gumGgI8ssC
E4s7Latu3glRYTTZRezkZTNecZFXAgMBAAECgYBrWkLOCA6c+wp9lqVi5rlAk+if
z358FTmrVHfizcQsgS3ieFMjQHdxiPtftrxBVxhPRgLC9x3WzYip1YrMRHuiktFf
Nex5wyfej6oysgnAkeeu05KdFBtGfCjCO3spPBMz/1KYgqVP2WRjCtM/RKbfKepR
IW87jARh4wujbDGjUQJBAPbOlTjS3FyQGZk0U3F0eSUYLHeHl58T14Bkk/d8g9qT
lXyFZl9gLKKVdiKUcwZUAER6Zmc7HWtZPdlkoyC3wysCQQDppMbfq2WTf3KfvDiC
jV89iLqMTU5IGCAfRN1jgHQy4+oK3Iov4xX8lSCvpQrMXS+xDpWGKypFOQpSDPwr
hYSFAkB98Y9eTuPabEJT1srZ84i6cCqI2G175OEsiKalPSn/yR4YS+6grvA4CzMc
lEpaKVV1nExTU2xA0mpoXB2OXZe/AkEAxBFgRxEZc7bPJRcZwQ0MMKJOEjFJkRyV
0EfFFZwVZyN2I1lBqcACkm0++cchkbBdtlLLzcTpex/L9mEpOQiZ1QJALimFX7N+
IaWPGVAtHqxo0eT+VwgwMj5LFJ377sThWIKOetAdQXdXROdXvLfC34gwwNRz/20c
qZo52oSyIBcQxQ==
-----END PRIVATE KEY-----
";

/// The 1024-bit key, public: too small.
const PUBLIC_1024_SPKI: &str = "\
-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDhQOHjuu2AYeQa9VpZ5ZOj+40W
Rzo0ty7WbhW6+AIuslYGP0muKnp3s2OwFoXcY/EJaW+oFitKqYaXvv4x/avoGGGK
nIw4qBhZH56e1tDnDbwBSS7p/Zl0+L+TY1OwyeJxVluYLphoCPLLAhOLOy2rbt4J
UWE02UXs5GUzXnGRVwIDAQAB
-----END PUBLIC KEY-----
";

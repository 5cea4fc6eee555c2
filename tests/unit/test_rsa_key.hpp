// A throwaway 2048-bit RSA key for the JWT signing tests (generated with
// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`). Test use only:
// it signs nothing outside these tests.
#pragma once

namespace objectfs::testing {

inline constexpr char kTestRsaPrivateKeyPem[] = R"PEM(
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDcYjpL7GzUR+39
Xbini86QurkE3uK7VCh05dpydhkfxtzdAH+iSDmSz6V7XIbxvOsKOcrlxFYe4xwx
1K50jom0XsxL5yzP9B83GHgf/MvNSDnOogQavWVI6/v4GVJ4ygIUwEZD5aYNWrzW
yV6Cud1Yyg917BBfOqTi+ba7WUT5JzimRFaTcnLTqgEWdDM0OHRgXIkRK4l3Cj4q
hW+qwa0oSBGOtym2nW0hpbnfYj/4cgeC6TGVV0nhoUl5niIEWYMGcWd8NDQY+4kX
PCxJYPR4wRIGpJO3tbCHonGeyPOcn+AW2zIwW8g7VAkEL2+1hSeRfK6LwP0Wg4Xh
dhW3X46xAgMBAAECggEAIDOaIQ3iuQHpnGPdX13mSO9/qV6H8qdRYgNT7/WhpisA
iqpP+/5hqzn8DBJxBVF9ZnkbVIdjrg+xRva0pwNMy7YuU8jrm1coWHyS0Nm3Tb+H
8tFpmB6kdgtFPfM1QcECnNWbbsBXiwv/G8NAtAlEdnzP1YMwwTlobmHeeXGJyn3T
FIufEyXwguGiHe15YXVziPjSGsDYs6V5ONRvJybcDTFvkrthVyqrwsiZUkMa51hG
slolS5/Ro6e5PGKPyutw02y6YRygo70QS3OgwMpE+CDLQQ2BJLajypQakhdaAnQZ
0JuYDupZCUr+HgNhpJ5chxjGA953KE7jQdoRuNYtgQKBgQD83grV6s66KRZhG0Yo
7FfSuT+Pcq33tcaLBjXxTeNjHqDbpgPPAq1THhTfnWR+7QMuGJdqgFNxgp0NvWdJ
6aPsC+Ug2CxEfaQT9hwSI8uq9iP7wyOYZKj05qWJtZGMV3QhbeQK0NKykaTI+rdO
dSzUkkKHSGvgS/PkOt8Clb4GDQKBgQDfHSo4nj1lBaCJiWm6UpoiqEeqmzQeyady
K9vKnia0b4WBgcBKmD3fDe3GgWRFyovGGNAu3iDKYHooYJPD2q0mFjPLFTGX6UBA
gQwZmdi3KRAOupuoEgonLAFCbOhgYM90G6r/vZK1wKyzEjKhyThtXuX3ckN+j8yz
z0vpWXQGNQKBgQDxWporDgCdTURQEXFI9DTrK+fP6lzEN5s27QmltXsZC43ruKyf
9OUslWTE/vyB7YWAhPZZL/z1Nf7js2mX8cqFLeFYFR1DjkyCxQCMC+CE4IT984bR
GRrvDgrowwYWVw7ALZxg+mpxCHSpZCx8VXkhuCyJ5YUZxEUZDVv4oqaKLQKBgGDp
tzQ+r+ZYqmHzmURAqwkQ1YhqwBn7d8tk96SsS52mr3QQmykLthxUXYsTGy4hi9Mx
ZgRlohKmE4nEYYr6Sqm3jSnSe+dDfxBFva7FH9h3cq0jK4e2xkg7mhRzYAC1LId/
mSha/QYLujhSWEHkOKlxRizUqjKoXb9g9NVYcMhdAoGAbPooIrzclvPg9TO5NP/g
YE2NPjPZX8UM8gbRwL6YV2IeIgQwQDSJto7jQSSw8GnIEAgUBmsV4rmrlmA1824h
g9Ehx9tBdifk1rlMIt1cEjkEsz7vMSi/NVQHH2lhMTYoudz9OnUWptr2QtXhs/1n
qw1ousMQfkXES8e/eFUMo+I=
-----END PRIVATE KEY-----
)PEM";

inline constexpr char kTestRsaPublicKeyPem[] = R"PEM(
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3GI6S+xs1Eft/V24p4vO
kLq5BN7iu1QodOXacnYZH8bc3QB/okg5ks+le1yG8bzrCjnK5cRWHuMcMdSudI6J
tF7MS+csz/QfNxh4H/zLzUg5zqIEGr1lSOv7+BlSeMoCFMBGQ+WmDVq81slegrnd
WMoPdewQXzqk4vm2u1lE+Sc4pkRWk3Jy06oBFnQzNDh0YFyJESuJdwo+KoVvqsGt
KEgRjrcptp1tIaW532I/+HIHgukxlVdJ4aFJeZ4iBFmDBnFnfDQ0GPuJFzwsSWD0
eMESBqSTt7Wwh6JxnsjznJ/gFtsyMFvIO1QJBC9vtYUnkXyui8D9FoOF4XYVt1+O
sQIDAQAB
-----END PUBLIC KEY-----
)PEM";

// The RS256 JWT of the fixed header and claims in jwt_test.cpp, made independently with
// `printf %s "$B64URL_HEADER.$B64URL_CLAIMS" | openssl dgst -sha256 -sign key.pem | base64url`.
inline constexpr char kTestJwtVector[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3Qta2V5LWlkIiwidHlwIjoiSldUIn0.eyJhdWQiOiJodHRwczovL29hdX"
    "RoMi5nb29nbGVhcGlzLmNvbS90b2tlbiIsImV4cCI6MTcwMDAwMzYwMCwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJv"
    "YmplY3Rmcy10ZXN0QGV4YW1wbGUuaWFtLmdzZXJ2aWNlYWNjb3VudC5jb20iLCJzY29wZSI6Imh0dHBzOi8vd3d3Lm"
    "dvb2dsZWFwaXMuY29tL2F1dGgvZGV2c3RvcmFnZS5yZWFkX29ubHkifQ.f8k3NXGvh-4hZdkd-cnl11bbqEBop0XrL"
    "YRfzsNWNdN-EX54KAhaNV6-oF1PO8OaOH_UNQem_jqZ5Kq1vkmXfQkE00yYGFwqW5HyvRnA0mV1XNPS7Al70dxawDo"
    "vNWxmp_m7oNaE5cQWKEqME2UNx3COWuYds2IW6MUjbUJC0o3ye5ZOYeSdYjlrK8IZ_2pqJ8UHPMpZLiTVBOoPCcJIM"
    "ynS76-mNsVxOwVBeaDAGYJVGiaHg3StjRrqXPGfETc-5xahujtXd6rlvaJwrB7-xP16W1Ba4U9DJ3w1Lli8uaNE-ql"
    "-Dgi4DQj85Lg6a7m-RiQ5u1E2J10Q5UVrAse-MA";

}  // namespace objectfs::testing

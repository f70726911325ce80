// What counts as a secret, for everything that writes what it was given somewhere others can read
// it: the install artifact (installer/), support bundles and logs (collector/, server/). One place,
// so that the policy cannot drift between them.
//
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace flightcheck {

// A key whose name says it holds a secret: *_password, *_secret, *_key, *_token, *_credentials
// (license_key_contents, aws_secret_access_key, superuser_password_hash are caught by a table
// where they are known; this covers names nobody listed).
bool HasSecretName(std::string_view key);

// True when text holds a URL with credentials in it: scheme://user:password@host or
// scheme://token@host.
bool HasUrlCredentials(std::string_view text);

// text with the user information of every URL in it removed ("http://u:p@proxy:3128" becomes
// "http://proxy:3128"); everything else unchanged.
std::string RemoveUrlCredentials(std::string_view text);

}  // namespace flightcheck

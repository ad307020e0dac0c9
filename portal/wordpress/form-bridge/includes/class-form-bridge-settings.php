<?php
/**
 * The plugin's settings: endpoint, API key (never autoloaded), proxy hops.
 *
 * @package FormBridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Reads and writes the plugin's options.
 */
class Form_Bridge_Settings {

	const ENDPOINT   = 'form_bridge_endpoint';
	const API_KEY    = 'form_bridge_api_key';
	const PROXY_HOPS = 'form_bridge_proxy_hops';

	/** On a multisite network: the defaults a site uses while it has no endpoint or key of its own. */
	const NETWORK_ENDPOINT = 'form_bridge_network_endpoint';
	const NETWORK_API_KEY  = 'form_bridge_network_api_key';

	/** The zip the portal builds for a new key carries this file; it is read once, then deleted. */
	const PRECONFIGURED_FILE = 'preconfigured.php';

	/**
	 * The Form-Bridge base URL without a trailing slash, e.g. https://forms.example.com.
	 */
	public static function endpoint(): string {
		$own = (string) get_option( self::ENDPOINT, '' );
		return untrailingslashit( '' !== $own || ! is_multisite() ? $own : (string) get_site_option( self::NETWORK_ENDPOINT, '' ) );
	}

	/**
	 * The site API key (fbk_...), or an empty string.
	 */
	public static function api_key(): string {
		$own = (string) get_option( self::API_KEY, '' );
		return '' !== $own || ! is_multisite() ? $own : (string) get_site_option( self::NETWORK_API_KEY, '' );
	}

	/**
	 * Where this site's settings come from: 'site', 'network' (the network's defaults) or 'none'.
	 */
	public static function source(): string {
		if ( '' !== (string) get_option( self::API_KEY, '' ) ) {
			return 'site';
		}
		return '' !== self::api_key() ? 'network' : 'none';
	}

	/**
	 * Saves the network's default endpoint and key (a site's own settings win).
	 *
	 * @param string $endpoint Base URL.
	 * @param string $key      The raw key; empty keeps the saved one.
	 */
	public static function save_network_defaults( string $endpoint, string $key ): void {
		update_site_option( self::NETWORK_ENDPOINT, untrailingslashit( esc_url_raw( trim( $endpoint ) ) ) );
		if ( '' !== trim( $key ) ) {
			update_site_option( self::NETWORK_API_KEY, trim( $key ) );
		}
	}

	/**
	 * How many reverse proxies in front of this site append to X-Forwarded-For (0: none).
	 */
	public static function proxy_hops(): int {
		return max( 0, (int) get_option( self::PROXY_HOPS, 0 ) );
	}

	/**
	 * Whether both the endpoint and the key are set.
	 */
	public static function is_configured(): bool {
		return '' !== self::endpoint() && '' !== self::api_key();
	}

	/**
	 * The key as the admin page may show it: its first characters only.
	 */
	public static function api_key_hint(): string {
		$key = self::api_key();
		return '' === $key ? '' : substr( $key, 0, 8 ) . '…';
	}

	/**
	 * Whether a host is this machine (127.0.0.0/8, ::1, localhost).
	 *
	 * @param string $host Host name or address, IPv6 with or without brackets.
	 */
	public static function is_loopback_host( string $host ): bool {
		$host = strtolower( trim( $host, '[]' ) );
		return 'localhost' === $host || '::1' === $host
			|| ( false !== filter_var( $host, FILTER_VALIDATE_IP, FILTER_FLAG_IPV4 ) && str_starts_with( $host, '127.' ) );
	}

	/**
	 * Why an endpoint cannot be used ('' when it can): https:// for any host, http:// only for
	 * this machine (a development Form-Bridge), since the API key travels with every request.
	 *
	 * @param string $endpoint Base URL.
	 */
	public static function endpoint_problem( string $endpoint ): string {
		$parts  = wp_parse_url( trim( $endpoint ) );
		$scheme = strtolower( (string) ( $parts['scheme'] ?? '' ) );
		$host   = (string) ( $parts['host'] ?? '' );
		if ( ! is_array( $parts ) || '' === $host || ! in_array( $scheme, array( 'http', 'https' ), true ) || isset( $parts['user'] ) ) {
			return __( 'The endpoint must be an https:// URL, for example https://forms.example.com.', 'form-bridge' );
		}
		if ( 'http' === $scheme && ! self::is_loopback_host( $host ) ) {
			return __( 'The endpoint must use https://: the API key is sent with every request (http:// is accepted only for a Form-Bridge on this machine).', 'form-bridge' );
		}
		return '';
	}

	/**
	 * Saves the endpoint (autoloaded: read on every send).
	 *
	 * @param string $endpoint Base URL.
	 */
	public static function save_endpoint( string $endpoint ): void {
		update_option( self::ENDPOINT, untrailingslashit( esc_url_raw( trim( $endpoint ) ) ), true );
	}

	/**
	 * Saves the API key with autoload off, so it is not loaded into every page's memory.
	 *
	 * @param string $key The raw key.
	 */
	public static function save_api_key( string $key ): void {
		update_option( self::API_KEY, trim( $key ), false );
	}

	/**
	 * Saves the number of trusted proxy hops.
	 *
	 * @param int $hops 0 or more.
	 */
	public static function save_proxy_hops( int $hops ): void {
		update_option( self::PROXY_HOPS, max( 0, min( 5, $hops ) ), true );
	}

	/**
	 * A zip downloaded right after a key was created carries its endpoint and key in a PHP file
	 * (PHP, so a web request to it shows nothing). Import it once and delete it.
	 */
	public static function import_preconfigured( bool $network = false ): void {
		$file = FORM_BRIDGE_DIR . '/' . self::PRECONFIGURED_FILE;
		if ( ! file_exists( $file ) ) {
			return;
		}
		$config = include $file;
		if ( $network && is_array( $config ) && '' === self::endpoint_problem( (string) ( $config['endpoint'] ?? '' ) ) ) {
			self::save_network_defaults( (string) $config['endpoint'], (string) ( $config['api_key'] ?? '' ) );
		} elseif ( is_array( $config ) ) {
			if ( ! empty( $config['endpoint'] ) && '' === self::endpoint_problem( (string) $config['endpoint'] ) ) {
				self::save_endpoint( (string) $config['endpoint'] );
			}
			if ( ! empty( $config['api_key'] ) ) {
				self::save_api_key( (string) $config['api_key'] );
			}
		}
		wp_delete_file( $file );
	}

	/**
	 * Removes every option (uninstall).
	 */
	public static function delete_all(): void {
		delete_option( self::ENDPOINT );
		delete_option( self::API_KEY );
		delete_option( self::PROXY_HOPS );
	}

	/**
	 * Removes the network's defaults (uninstall).
	 */
	public static function delete_network(): void {
		delete_site_option( self::NETWORK_ENDPOINT );
		delete_site_option( self::NETWORK_API_KEY );
	}
}

<?php
/**
 * One capture: normalise, store in the queue, copy files, send at once.
 *
 * @package FormBridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Turns what a form plugin hands over into a queue row. Never throws into the form plugin:
 * a visitor's submission must go through even if Form-Bridge is misconfigured.
 */
class Form_Bridge_Capture {

	/** The ingest API's limits (README, "Sending submissions"). */
	const MAX_FIELDS       = 200;
	const MAX_NAME_LENGTH  = 100;
	const MAX_META_LENGTH  = 2048;
	const MAX_FORM_ID_SIZE = 100;

	/**
	 * A stable, readable form id: `cf7-123-contact` (plugin, the form's id, its title as a slug).
	 *
	 * @param string     $prefix The form plugin's short name.
	 * @param int|string $id     The form's id in that plugin.
	 * @param string     $title  The form's title.
	 */
	public static function form_id( string $prefix, $id, string $title = '' ): string {
		$slug  = preg_replace( '/[^a-z0-9-]+/', '', sanitize_title( $title ) );
		$parts = array_filter( array( $prefix, self::clean_id( (string) $id ), trim( (string) $slug, '-' ) ), 'strlen' );
		return substr( implode( '-', $parts ), 0, self::MAX_FORM_ID_SIZE );
	}

	/**
	 * Only the characters the ingest API allows in a form id.
	 *
	 * @param string $id Any id.
	 */
	public static function clean_id( string $id ): string {
		return substr( (string) preg_replace( '/[^A-Za-z0-9_.:\-]+/', '-', $id ), 0, self::MAX_FORM_ID_SIZE );
	}

	/**
	 * The documented action for custom code:
	 * do_action( 'form_bridge_submit', $form_id, $fields, $meta, $files ).
	 *
	 * @param string $form_id Form id (letters, digits and _ . : - are kept).
	 * @param array  $fields  Field name => string or list of strings.
	 * @param array  $meta    Extra meta (page_url, ...), merged over what the plugin detects.
	 * @param array  $files   Field name => file path (or list of paths).
	 */
	public static function custom_submit( $form_id, $fields = array(), $meta = array(), $files = array() ): void {
		$list = array();
		foreach ( (array) $files as $field => $paths ) {
			foreach ( (array) $paths as $path ) {
				$list[] = array(
					'field' => (string) $field,
					'path'  => (string) $path,
				);
			}
		}
		self::submit( 'custom', '', self::clean_id( (string) $form_id ), (array) $fields, $list, (array) $meta );
	}

	/**
	 * Stores one submission, then tries to send it at once.
	 *
	 * @param string $plugin  Form plugin (cf7, gravityforms, ...).
	 * @param string $version Its version.
	 * @param string $form_id Form id.
	 * @param array  $fields  Field label => value, or a list of array( label, original key, value ).
	 * @param array  $files   Each: field, path, optional name.
	 * @param array  $meta    Meta known to the form plugin (page_url, ...).
	 * @return int Queue row id, 0 when nothing was stored.
	 */
	public static function submit( string $plugin, string $version, string $form_id, array $fields, array $files = array(), array $meta = array() ): int {
		try {
			if ( '' === $form_id ) {
				$form_id = $plugin;
			}
			$uuid    = wp_generate_uuid4();
			$keys    = array();
			$payload = array(
				'fields' => self::clean_fields( $fields, $keys ),
				'meta'   => self::meta( $plugin, $version, $meta + self::keys_meta( $keys ) ),
			);
			$copies  = Form_Bridge_Files::copy_all( $uuid, $files );
			$id      = Form_Bridge_Queue::insert( $uuid, $form_id, $plugin, $payload, $copies );
			if ( 0 === $id ) {
				Form_Bridge_Files::delete_all( $copies );
				return 0;
			}
			if ( Form_Bridge_Settings::is_configured() ) {
				Form_Bridge_Sender::send( $id, Form_Bridge_Sender::IMMEDIATE_TIMEOUT );
			}
			return $id;
		} catch ( Throwable $error ) {
			error_log( 'Form-Bridge: capture failed: ' . $error->getMessage() ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log
			return 0;
		}
	}

	/**
	 * Field names and values in the shapes ingest accepts: strings or lists of strings, names
	 * up to 100 characters, at most 200 fields; a repeated label gets " (2)".
	 *
	 * @param array $fields Name => value, or a list of array( label, original key, value ).
	 * @param array $keys   Filled with sent name => the form plugin's key, where they differ.
	 */
	public static function clean_fields( array $fields, array &$keys = array() ): array {
		$clean = array();
		$rows  = array_is_list( $fields ) && ! empty( $fields ) && is_array( $fields[0] ) && 3 === count( $fields[0] );
		foreach ( $fields as $name => $value ) {
			if ( count( $clean ) >= self::MAX_FIELDS ) {
				break;
			}
			$key = (string) $name;
			if ( $rows ) {
				list( $name, $key, $value ) = array_values( (array) $value ) + array( '', '', '' );
			}
			$name = trim( (string) preg_replace( '/\s+/u', ' ', wp_strip_all_tags( (string) $name ) ) );
			if ( '' === $name ) {
				continue;
			}
			$name   = mb_substr( $name, 0, self::MAX_NAME_LENGTH - 5 );
			$unique = $name;
			for ( $n = 2; array_key_exists( $unique, $clean ); $n++ ) {
				$unique = $name . ' (' . $n . ')';
			}
			$clean[ $unique ] = self::clean_value( $value );
			if ( (string) $key !== $unique ) {
				$keys[ $unique ] = (string) $key;
			}
		}
		return $clean;
	}

	/**
	 * The form plugin's own field keys (meta field_keys, JSON: sent name => key), so a label can be
	 * traced back to the form's definition; entries that would not fit are left out.
	 *
	 * @param array $keys Sent name => key.
	 */
	private static function keys_meta( array $keys ): array {
		while ( ! empty( $keys ) ) {
			$json = (string) wp_json_encode( $keys, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES );
			if ( mb_strlen( $json ) <= self::MAX_META_LENGTH ) {
				return array( 'field_keys' => $json );
			}
			array_pop( $keys );
		}
		return array();
	}

	/**
	 * A string, or a list of strings (nested lists are joined).
	 *
	 * @param mixed $value Raw value.
	 */
	private static function clean_value( $value ) {
		if ( is_array( $value ) ) {
			$list = array();
			foreach ( $value as $item ) {
				$list[] = is_array( $item ) ? implode( ', ', array_map( 'strval', array_filter( $item, 'is_scalar' ) ) ) : (string) ( is_scalar( $item ) ? $item : '' );
			}
			return array_values( $list );
		}
		if ( is_bool( $value ) ) {
			return $value ? '1' : '';
		}
		return is_scalar( $value ) ? (string) $value : '';
	}

	/**
	 * Meta sent with each submission: page URL, referrer, user agent, client address, form plugin
	 * and its version. Values a form plugin knows better (its own page URL) win.
	 *
	 * @param string $plugin  Form plugin.
	 * @param string $version Its version.
	 * @param array  $known   Meta from the form plugin.
	 */
	public static function meta( string $plugin, string $version, array $known ): array {
		$server   = $_SERVER; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotValidated
		$referrer = isset( $server['HTTP_REFERER'] ) ? esc_url_raw( wp_unslash( $server['HTTP_REFERER'] ) ) : '';
		$in_page  = ! ( wp_doing_ajax() || ( defined( 'REST_REQUEST' ) && REST_REQUEST ) );
		$current  = isset( $server['REQUEST_URI'] ) ? home_url( wp_unslash( $server['REQUEST_URI'] ) ) : '';
		$meta     = array(
			// An AJAX or REST submission is posted from the page that holds the form: its referrer.
			'page_url'            => $in_page ? esc_url_raw( $current ) : $referrer,
			'referrer'            => $referrer,
			'user_agent'          => isset( $server['HTTP_USER_AGENT'] ) ? sanitize_text_field( wp_unslash( $server['HTTP_USER_AGENT'] ) ) : '',
			'ip'                  => self::client_ip(),
			'form_plugin'         => $plugin,
			'form_plugin_version' => $version,
		);
		foreach ( $known as $key => $value ) {
			if ( is_scalar( $value ) && '' !== (string) $value ) {
				$meta[ sanitize_key( (string) $key ) ] = (string) $value;
			}
		}
		$meta = array_slice( array_filter( $meta, 'strlen' ), 0, 20, true );
		return array_map( fn( $value ) => mb_substr( $value, 0, self::MAX_META_LENGTH ), $meta );
	}

	/**
	 * The visitor's address. Behind the number of proxies set on the settings page, the entry
	 * the outermost trusted proxy added to X-Forwarded-For; entries a client wrote are ignored.
	 */
	public static function client_ip(): string {
		$server = $_SERVER; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotValidated
		$remote = isset( $server['REMOTE_ADDR'] ) ? sanitize_text_field( wp_unslash( $server['REMOTE_ADDR'] ) ) : '';
		$hops   = Form_Bridge_Settings::proxy_hops();
		if ( $hops > 0 && ! empty( $server['HTTP_X_FORWARDED_FOR'] ) ) {
			$chain     = array_values( array_filter( array_map( 'trim', explode( ',', sanitize_text_field( wp_unslash( $server['HTTP_X_FORWARDED_FOR'] ) ) ) ), 'strlen' ) );
			$chain[]   = $remote;
			$candidate = $chain[ max( count( $chain ) - 1 - $hops, 0 ) ];
			if ( false !== filter_var( $candidate, FILTER_VALIDATE_IP ) ) {
				return $candidate;
			}
		}
		return (string) apply_filters( 'form_bridge_client_ip', $remote );
	}
}

<?php
/**
 * HTTP calls to Form-Bridge: POST /api/v1/submissions and GET /api/v1/site.
 *
 * @package FormBridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Talks to the Form-Bridge API; knows the wire format and nothing about the queue.
 */
class Form_Bridge_Client {

	/**
	 * Sends one submission. JSON without files; multipart/form-data with them (the file parts are
	 * named after their field, `fields[cv]`, as the ingest contract says).
	 *
	 * @param string $uuid    Idempotency-Key.
	 * @param string $form_id The form id.
	 * @param array  $payload fields and meta.
	 * @param array  $files   Copies: field, name, type, path.
	 * @param int    $timeout Seconds.
	 * @return array code (0 when no answer), body, error, retry_after (seconds or null).
	 */
	public static function send_submission( string $uuid, string $form_id, array $payload, array $files, int $timeout ): array {
		$headers = array(
			'Authorization'   => 'Bearer ' . Form_Bridge_Settings::api_key(),
			'Idempotency-Key' => $uuid,
			'Accept'          => 'application/json, application/problem+json',
		);
		$fields = (array) ( $payload['fields'] ?? array() );
		$meta   = (array) ( $payload['meta'] ?? array() );
		if ( empty( $files ) ) {
			$headers['Content-Type'] = 'application/json; charset=utf-8';
			$body                    = wp_json_encode(
				array(
					'form_id' => $form_id,
					'fields'  => (object) $fields,
					'meta'    => (object) $meta,
				)
			);
		} else {
			$boundary                = 'form-bridge-' . wp_generate_password( 24, false );
			$headers['Content-Type'] = 'multipart/form-data; boundary=' . $boundary;
			$body                    = self::multipart( $boundary, $form_id, $fields, $meta, $files );
			if ( null === $body ) {
				return array(
					'code'        => 0,
					'body'        => '',
					'error'       => __( 'A copied file is missing from the upload folder.', 'form-bridge' ),
					'retry_after' => null,
				);
			}
		}
		return self::request( 'POST', '/api/v1/submissions', $headers, $body, $timeout );
	}

	/**
	 * Checks the key: GET /api/v1/site answers the site's domain and the account's name.
	 *
	 * @return array code, body, error, and data (the decoded JSON) when it answered 200.
	 */
	public static function test_connection(): array {
		$result = self::request(
			'GET',
			'/api/v1/site',
			array(
				'Authorization' => 'Bearer ' . Form_Bridge_Settings::api_key(),
				'Accept'        => 'application/json',
			),
			null,
			10
		);
		$result['data'] = 200 === $result['code'] ? json_decode( $result['body'], true ) : null;
		return $result;
	}

	/**
	 * A short reason for an answer that is not a success, safe to store and show: the title and
	 * detail of a problem+json answer, else the status's standard description. Whatever else
	 * answered (a proxy's error page, another server) is never echoed.
	 *
	 * @param string $body Response body.
	 * @param int    $code HTTP status.
	 */
	public static function problem_detail( string $body, int $code = 0 ): string {
		$problem = json_decode( $body, true );
		if ( is_array( $problem ) ) {
			$text = trim( (string) ( is_scalar( $problem['title'] ?? '' ) ? ( $problem['title'] ?? '' ) : '' ) . ': ' . (string) ( is_scalar( $problem['detail'] ?? '' ) ? ( $problem['detail'] ?? '' ) : '' ), ': ' );
			$text = self::short( $text );
			if ( '' !== $text ) {
				return $text;
			}
		}
		$status = get_status_header_desc( $code );
		return '' !== $status ? $status : __( 'unexpected answer', 'form-bridge' );
	}

	/**
	 * One line of plain text, at most 160 characters.
	 *
	 * @param string $text Any text.
	 */
	public static function short( string $text ): string {
		$text = trim( (string) preg_replace( '/[\s\x00-\x1F\x7F]+/u', ' ', wp_strip_all_tags( $text ) ) );
		return mb_strlen( $text ) > 160 ? mb_substr( $text, 0, 159 ) . '…' : $text;
	}

	/**
	 * Builds a multipart body; null when a copy cannot be read.
	 *
	 * @param string $boundary Boundary.
	 * @param string $form_id  Form id.
	 * @param array  $fields   Text fields.
	 * @param array  $meta     Meta.
	 * @param array  $files    Copies.
	 */
	private static function multipart( string $boundary, string $form_id, array $fields, array $meta, array $files ): ?string {
		$parts = array( self::text_part( $boundary, 'form_id', $form_id ) );
		foreach ( $fields as $name => $value ) {
			$name = self::part_name( (string) $name );
			if ( is_array( $value ) ) {
				foreach ( $value as $item ) {
					$parts[] = self::text_part( $boundary, 'fields[' . $name . '][]', (string) $item );
				}
			} else {
				$parts[] = self::text_part( $boundary, 'fields[' . $name . ']', (string) $value );
			}
		}
		foreach ( $meta as $name => $value ) {
			$parts[] = self::text_part( $boundary, 'meta[' . $name . ']', (string) $value );
		}
		$per_field = array_count_values( array_map( fn( $copy ) => self::part_name( (string) $copy['field'] ), $files ) );
		foreach ( $files as $copy ) {
			$path = Form_Bridge_Files::absolute( $copy );
			if ( '' === $path || ! is_readable( $path ) ) {
				return null;
			}
			$field   = self::part_name( (string) $copy['field'] );
			$name    = $per_field[ $field ] > 1 ? 'fields[' . $field . '][]' : 'fields[' . $field . ']';
			$parts[] = '--' . $boundary . "\r\n"
				. 'Content-Disposition: form-data; name="' . self::quote( $name ) . '"; filename="' . self::quote( (string) $copy['name'] ) . "\"\r\n"
				. 'Content-Type: ' . $copy['type'] . "\r\n\r\n"
				. file_get_contents( $path ) . "\r\n"; // phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents
		}
		return implode( '', $parts ) . '--' . $boundary . "--\r\n";
	}

	/**
	 * A field name inside `fields[...]`: brackets would end it early, so they become parentheses.
	 *
	 * @param string $name Field name.
	 */
	private static function part_name( string $name ): string {
		return str_replace( array( '[', ']' ), array( '(', ')' ), $name );
	}

	/**
	 * One text part.
	 *
	 * @param string $boundary Boundary.
	 * @param string $name     Part name.
	 * @param string $value    Value.
	 */
	private static function text_part( string $boundary, string $name, string $value ): string {
		return '--' . $boundary . "\r\n" . 'Content-Disposition: form-data; name="' . self::quote( $name ) . "\"\r\n\r\n" . $value . "\r\n";
	}

	/**
	 * A header parameter value with quotes and line breaks escaped (as browsers do).
	 *
	 * @param string $value Name or file name.
	 */
	private static function quote( string $value ): string {
		return str_replace( array( "\r", "\n", '"' ), array( '%0D', '%0A', '%22' ), $value );
	}

	/**
	 * One HTTP request to the configured endpoint.
	 *
	 * @param string      $method  GET or POST.
	 * @param string      $path    Path under the endpoint.
	 * @param array       $headers Headers.
	 * @param string|null $body    Body.
	 * @param int         $timeout Seconds.
	 */
	private static function request( string $method, string $path, array $headers, ?string $body, int $timeout ): array {
		$endpoint = Form_Bridge_Settings::endpoint();
		if ( '' === $endpoint || '' === Form_Bridge_Settings::api_key() ) {
			return array(
				'code'        => 0,
				'body'        => '',
				'error'       => __( 'Form-Bridge is not configured: set the endpoint URL and the API key.', 'form-bridge' ),
				'retry_after' => null,
			);
		}
		$problem = Form_Bridge_Settings::endpoint_problem( $endpoint );
		if ( '' !== $problem ) { // Saved before the rule existed, or written around the settings page.
			return array(
				'code'        => 0,
				'body'        => '',
				'error'       => $problem,
				'retry_after' => null,
			);
		}
		$args = array(
			'method'      => $method,
			'timeout'     => $timeout,
			'redirection' => 0,
			'headers'     => $headers,
			'user-agent'  => 'Form-Bridge-WordPress/' . FORM_BRIDGE_VERSION . '; ' . home_url( '/' ),
		);
		if ( null !== $body ) {
			$args['body'] = $body;
		}
		// The safe variant refuses private and loopback addresses and unusual ports; the configured
		// endpoint (and only it) is let through, for a Form-Bridge on this machine or its own port.
		$allow_host = static function ( $external, $host ) use ( $endpoint ) {
			return $external || self::is_endpoint_loopback_host( $endpoint, (string) $host );
		};
		$allow_port = static function ( $ports, $host ) use ( $endpoint ) {
			$port = wp_parse_url( $endpoint, PHP_URL_PORT );
			if ( is_int( $port ) && strtolower( (string) $host ) === strtolower( (string) wp_parse_url( $endpoint, PHP_URL_HOST ) ) ) {
				$ports[] = $port;
			}
			return $ports;
		};
		add_filter( 'http_request_host_is_external', $allow_host, 10, 2 );
		add_filter( 'http_allowed_safe_ports', $allow_port, 10, 2 );
		try {
			$response = wp_safe_remote_request( $endpoint . $path, $args );
		} finally {
			remove_filter( 'http_request_host_is_external', $allow_host, 10 );
			remove_filter( 'http_allowed_safe_ports', $allow_port, 10 );
		}
		if ( is_wp_error( $response ) ) {
			return array(
				'code'        => 0,
				'body'        => '',
				'error'       => self::short( $response->get_error_message() ),
				'retry_after' => null,
			);
		}
		$retry_after = wp_remote_retrieve_header( $response, 'retry-after' );
		return array(
			'code'        => (int) wp_remote_retrieve_response_code( $response ),
			'body'        => (string) wp_remote_retrieve_body( $response ),
			'error'       => '',
			'retry_after' => is_numeric( $retry_after ) ? (int) $retry_after : null,
		);
	}

	/**
	 * Whether $host is the configured endpoint's host and that host is this machine.
	 *
	 * @param string $endpoint The configured endpoint.
	 * @param string $host     The host a request goes to.
	 */
	private static function is_endpoint_loopback_host( string $endpoint, string $host ): bool {
		$endpoint_host = strtolower( (string) wp_parse_url( $endpoint, PHP_URL_HOST ) );
		return '' !== $endpoint_host && strtolower( $host ) === $endpoint_host && Form_Bridge_Settings::is_loopback_host( $endpoint_host );
	}
}

<?php
/**
 * Settings → Form-Bridge: endpoint, key, test connection, detected form plugins, the queue.
 *
 * @package FormBridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * The admin page. Every action is a POST to admin-post.php with a nonce, checked against
 * manage_options, then a redirect back (so a reload never repeats it).
 */
class Form_Bridge_Admin {

	const PAGE       = 'form-bridge';
	const CAPABILITY = 'manage_options';
	const NOTICE     = 'form_bridge_notice_';

	/**
	 * Hooks the page and its actions.
	 */
	public static function register(): void {
		add_action( 'admin_menu', array( __CLASS__, 'menu' ) );
		add_action( 'admin_init', array( 'Form_Bridge_Settings', 'import_preconfigured' ) );
		foreach ( array( 'save', 'test', 'retry', 'discard' ) as $action ) {
			add_action( 'admin_post_form_bridge_' . $action, array( __CLASS__, 'handle_' . $action ) );
		}
		add_filter( 'plugin_action_links_' . plugin_basename( FORM_BRIDGE_FILE ), array( __CLASS__, 'settings_link' ) );
	}

	/**
	 * The page under Settings.
	 */
	public static function menu(): void {
		add_options_page( 'Form-Bridge', 'Form-Bridge', self::CAPABILITY, self::PAGE, array( __CLASS__, 'render' ) );
	}

	/**
	 * "Settings" next to Deactivate on the Plugins page.
	 *
	 * @param array $links Existing links.
	 */
	public static function settings_link( array $links ): array {
		array_unshift( $links, '<a href="' . esc_url( self::url() ) . '">' . esc_html__( 'Settings', 'form-bridge' ) . '</a>' );
		return $links;
	}

	/**
	 * The page's URL.
	 */
	private static function url(): string {
		return admin_url( 'options-general.php?page=' . self::PAGE );
	}

	/**
	 * Refuses anyone without the capability or a valid nonce for this action.
	 *
	 * @param string $action Action name.
	 */
	private static function guard( string $action ): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to manage Form-Bridge.', 'form-bridge' ), 403 );
		}
		check_admin_referer( 'form_bridge_' . $action );
	}

	/**
	 * Keeps a message for the next page view of this user, then redirects there.
	 *
	 * @param string $type    success, error, info.
	 * @param string $message Plain text.
	 */
	private static function back( string $type, string $message ): void {
		set_transient( self::NOTICE . get_current_user_id(), array( $type, $message ), MINUTE_IN_SECONDS * 5 );
		wp_safe_redirect( self::url() );
		exit;
	}

	/**
	 * Saves the endpoint, the key (only when a new one was typed) and the proxy hops.
	 */
	public static function handle_save(): void {
		self::guard( 'save' );
		$endpoint = isset( $_POST['endpoint'] ) ? sanitize_text_field( wp_unslash( $_POST['endpoint'] ) ) : '';
		$problem  = '' === $endpoint ? '' : Form_Bridge_Settings::endpoint_problem( $endpoint );
		if ( '' !== $problem ) {
			self::back( 'error', $problem ); // Nothing is saved, the key neither.
		}
		Form_Bridge_Settings::save_endpoint( $endpoint );
		$key = isset( $_POST['api_key'] ) ? trim( sanitize_text_field( wp_unslash( $_POST['api_key'] ) ) ) : '';
		if ( '' !== $key ) {
			Form_Bridge_Settings::save_api_key( $key );
		}
		Form_Bridge_Settings::save_proxy_hops( isset( $_POST['proxy_hops'] ) ? absint( $_POST['proxy_hops'] ) : 0 );
		self::back( 'success', __( 'Settings saved.', 'form-bridge' ) );
	}

	/**
	 * Test connection: GET /api/v1/site with the key.
	 */
	public static function handle_test(): void {
		self::guard( 'test' );
		$result = Form_Bridge_Client::test_connection();
		if ( 200 === $result['code'] && is_array( $result['data'] ) ) {
			/* translators: 1: the site's domain, 2: the account's name. */
			self::back( 'success', sprintf( __( 'Connected: this key belongs to the site %1$s of the account %2$s.', 'form-bridge' ), (string) ( $result['data']['domain'] ?? '' ), (string) ( $result['data']['account'] ?? '' ) ) );
		}
		$detail = '' !== $result['error'] ? $result['error'] : 'HTTP ' . $result['code'] . ': ' . Form_Bridge_Client::problem_detail( $result['body'], $result['code'] );
		/* translators: %s: what went wrong. */
		self::back( 'error', sprintf( __( 'Connection failed: %s', 'form-bridge' ), $detail ) );
	}

	/**
	 * Retry now: one queue entry, at once.
	 */
	public static function handle_retry(): void {
		self::guard( 'retry' );
		$id = isset( $_POST['entry'] ) ? absint( $_POST['entry'] ) : 0;
		Form_Bridge_Queue::retry_now( $id );
		$status = Form_Bridge_Sender::send( $id, Form_Bridge_Sender::CRON_TIMEOUT );
		$row    = Form_Bridge_Queue::get( $id );
		if ( Form_Bridge_Queue::SENT === $status ) {
			self::back( 'success', __( 'Sent.', 'form-bridge' ) );
		}
		/* translators: %s: the last error. */
		self::back( 'error', sprintf( __( 'Not sent yet: %s', 'form-bridge' ), $row ? (string) $row['last_error'] : '' ) );
	}

	/**
	 * Discard: deletes a queue entry and its files.
	 */
	public static function handle_discard(): void {
		self::guard( 'discard' );
		Form_Bridge_Queue::delete( isset( $_POST['entry'] ) ? absint( $_POST['entry'] ) : 0 );
		self::back( 'success', __( 'Entry discarded.', 'form-bridge' ) );
	}

	/**
	 * A small POST form to admin-post.php with its nonce.
	 *
	 * @param string $action Action name.
	 * @param string $label  Button label.
	 * @param int    $entry  Queue entry, if any.
	 * @param string $class  Button class.
	 */
	private static function button( string $action, string $label, int $entry = 0, string $class = 'button' ): void {
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" style="display:inline">';
		echo '<input type="hidden" name="action" value="' . esc_attr( 'form_bridge_' . $action ) . '">';
		if ( $entry ) {
			echo '<input type="hidden" name="entry" value="' . esc_attr( (string) $entry ) . '">';
		}
		wp_nonce_field( 'form_bridge_' . $action );
		echo '<button type="submit" class="' . esc_attr( $class ) . '">' . esc_html( $label ) . '</button></form> ';
	}

	/**
	 * The page.
	 */
	public static function render(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			return;
		}
		$notice = get_transient( self::NOTICE . get_current_user_id() );
		delete_transient( self::NOTICE . get_current_user_id() );
		$counts = Form_Bridge_Queue::counts();
		echo '<div class="wrap"><h1>Form-Bridge</h1>';
		if ( is_array( $notice ) ) {
			echo '<div id="form-bridge-notice" class="notice notice-' . esc_attr( $notice[0] ) . '"><p>' . esc_html( $notice[1] ) . '</p></div>';
		}

		echo '<h2>' . esc_html__( 'Connection', 'form-bridge' ) . '</h2>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		echo '<input type="hidden" name="action" value="form_bridge_save">';
		wp_nonce_field( 'form_bridge_save' );
		echo '<table class="form-table" role="presentation">';
		echo '<tr><th scope="row"><label for="form-bridge-endpoint">' . esc_html__( 'Endpoint URL', 'form-bridge' ) . '</label></th><td><input type="url" class="regular-text" id="form-bridge-endpoint" name="endpoint" value="' . esc_attr( Form_Bridge_Settings::endpoint() ) . '" placeholder="https://forms.example.com"></td></tr>';
		$hint = Form_Bridge_Settings::api_key_hint();
		echo '<tr><th scope="row"><label for="form-bridge-api-key">' . esc_html__( 'API key', 'form-bridge' ) . '</label></th><td><input type="password" class="regular-text" id="form-bridge-api-key" name="api_key" value="" autocomplete="off" placeholder="' . esc_attr( '' !== $hint ? $hint : 'fbk_...' ) . '">';
		echo '<p class="description">' . esc_html( '' !== $hint ? sprintf( /* translators: %s: the key's first characters. */ __( 'A key starting with %s is saved. Leave empty to keep it.', 'form-bridge' ), $hint ) : __( 'Paste the site API key from the Form-Bridge portal.', 'form-bridge' ) ) . '</p></td></tr>';
		echo '<tr><th scope="row"><label for="form-bridge-proxy-hops">' . esc_html__( 'Reverse proxies', 'form-bridge' ) . '</label></th><td><input type="number" min="0" max="5" id="form-bridge-proxy-hops" name="proxy_hops" value="' . esc_attr( (string) Form_Bridge_Settings::proxy_hops() ) . '">';
		echo '<p class="description">' . esc_html__( 'How many proxies (load balancer, CDN) in front of this site add to X-Forwarded-For. 0: use the connecting address.', 'form-bridge' ) . '</p></td></tr>';
		echo '</table>';
		submit_button( __( 'Save settings', 'form-bridge' ) );
		echo '</form>';
		self::button( 'test', __( 'Test connection', 'form-bridge' ), 0, 'button button-secondary' );

		echo '<h2>' . esc_html__( 'Form plugins', 'form-bridge' ) . '</h2><ul id="form-bridge-detected">';
		foreach ( Form_Bridge_Integrations::detected() as $code => $plugin ) {
			echo '<li data-plugin="' . esc_attr( $code ) . '">' . esc_html( $plugin[0] ) . ': ' . ( $plugin[1] ? '<strong>' . esc_html( sprintf( /* translators: %s: version. */ __( 'detected, version %s', 'form-bridge' ), $plugin[2] ) ) . '</strong>' : esc_html__( 'not active', 'form-bridge' ) ) . '</li>';
		}
		echo '<li>' . esc_html__( 'Custom code:', 'form-bridge' ) . ' <code>do_action( \'form_bridge_submit\', $form_id, $fields, $meta, $files );</code></li></ul>';

		echo '<h2>' . esc_html__( 'Queue', 'form-bridge' ) . '</h2>';
		echo '<p id="form-bridge-counts">' . esc_html(
			sprintf(
				/* translators: 1: pending, 2: failed, 3: sent. */
				__( 'Pending: %1$d · Failed: %2$d · Sent (last 7 days): %3$d', 'form-bridge' ),
				$counts[ Form_Bridge_Queue::PENDING ],
				$counts[ Form_Bridge_Queue::FAILED ],
				$counts[ Form_Bridge_Queue::SENT ]
			)
		) . '</p>';
		$rows = Form_Bridge_Queue::unsent( 50 );
		if ( empty( $rows ) ) {
			echo '<p>' . esc_html__( 'Nothing waiting: every captured submission reached Form-Bridge.', 'form-bridge' ) . '</p>';
		} else {
			echo '<table class="widefat striped" id="form-bridge-queue"><thead><tr><th>' . esc_html__( 'Captured (UTC)', 'form-bridge' ) . '</th><th>' . esc_html__( 'Form', 'form-bridge' ) . '</th><th>' . esc_html__( 'Status', 'form-bridge' ) . '</th><th>' . esc_html__( 'Attempts', 'form-bridge' ) . '</th><th>' . esc_html__( 'Next attempt (UTC)', 'form-bridge' ) . '</th><th>' . esc_html__( 'Last error', 'form-bridge' ) . '</th><th></th></tr></thead><tbody>';
			foreach ( $rows as $row ) {
				echo '<tr><td>' . esc_html( $row['created_at'] ) . '</td><td>' . esc_html( $row['form_id'] ) . '</td><td>' . esc_html( $row['status'] ) . '</td><td>' . esc_html( $row['attempts'] ) . '</td><td>' . esc_html( Form_Bridge_Queue::PENDING === $row['status'] ? $row['next_attempt_at'] : '—' ) . '</td><td>' . esc_html( (string) $row['last_error'] ) . '</td><td>';
				self::button( 'retry', __( 'Retry now', 'form-bridge' ), (int) $row['id'] );
				self::button( 'discard', __( 'Discard', 'form-bridge' ), (int) $row['id'], 'button button-link-delete' );
				echo '</td></tr>';
			}
			echo '</tbody></table>';
		}
		echo '</div>';
	}
}

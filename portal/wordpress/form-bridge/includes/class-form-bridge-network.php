<?php
/**
 * Network Admin → Settings → Form-Bridge: the network's default endpoint and key, and every site's queue.
 *
 * @package FormBridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * On a multisite network each site has its own settings, queue table and key; a site without a
 * key of its own uses the network's defaults. The network admin sees every site's queue here.
 */
class Form_Bridge_Network {

	const PAGE       = 'form-bridge-network';
	const CAPABILITY = 'manage_network_options';

	/** Sites listed on the page at most (the busiest networks page through Sites instead). */
	const MAX_SITES = 200;

	/**
	 * Hooks the page and its save action.
	 */
	public static function register(): void {
		add_action( 'network_admin_menu', array( __CLASS__, 'menu' ) );
		add_action( 'network_admin_edit_form_bridge_network', array( __CLASS__, 'handle_save' ) );
	}

	/**
	 * The page under the network's Settings.
	 */
	public static function menu(): void {
		add_submenu_page( 'settings.php', 'Form-Bridge', 'Form-Bridge', self::CAPABILITY, self::PAGE, array( __CLASS__, 'render' ) );
	}

	/**
	 * Saves the network's defaults (nonce and capability checked), then back to the page.
	 */
	public static function handle_save(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to manage Form-Bridge.', 'form-bridge' ), 403 );
		}
		check_admin_referer( 'form_bridge_network' );
		$endpoint = isset( $_POST['endpoint'] ) ? sanitize_text_field( wp_unslash( $_POST['endpoint'] ) ) : '';
		$key      = isset( $_POST['api_key'] ) ? sanitize_text_field( wp_unslash( $_POST['api_key'] ) ) : '';
		$problem  = '' === $endpoint ? '' : Form_Bridge_Settings::endpoint_problem( $endpoint );
		if ( '' === $problem ) {
			Form_Bridge_Settings::save_network_defaults( $endpoint, $key );
		}
		wp_safe_redirect( add_query_arg( 'form-bridge', '' === $problem ? 'saved' : 'refused', network_admin_url( 'settings.php?page=' . self::PAGE ) ) );
		exit;
	}

	/**
	 * Each site's settings source and queue state.
	 */
	public static function sites(): array {
		global $wpdb;
		$rows = array();
		foreach ( get_sites( array( 'number' => self::MAX_SITES ) ) as $site ) {
			switch_to_blog( (int) $site->blog_id );
			$installed = Form_Bridge_Queue::table() === $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', Form_Bridge_Queue::table() ) );
			$rows[]    = array(
				'id'       => (int) $site->blog_id,
				'name'     => get_bloginfo( 'name' ),
				'url'      => home_url( '/' ),
				'settings' => Form_Bridge_Settings::source(),
				'counts'   => $installed ? Form_Bridge_Queue::counts() : null,
				'backlog'  => $installed ? Form_Bridge_Queue::backlog() : null,
			);
			restore_current_blog();
		}
		return $rows;
	}

	/**
	 * The page.
	 */
	public static function render(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			return;
		}
		$state = isset( $_GET['form-bridge'] ) ? sanitize_key( wp_unslash( $_GET['form-bridge'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		echo '<div class="wrap"><h1>' . esc_html__( 'Form-Bridge for the network', 'form-bridge' ) . '</h1>';
		if ( 'saved' === $state ) {
			echo '<div id="form-bridge-notice" class="notice notice-success"><p>' . esc_html__( 'Network defaults saved.', 'form-bridge' ) . '</p></div>';
		} elseif ( 'refused' === $state ) {
			echo '<div id="form-bridge-notice" class="notice notice-error"><p>' . esc_html__( 'Not saved: the endpoint must be an https:// URL.', 'form-bridge' ) . '</p></div>';
		}
		echo '<h2>' . esc_html__( 'Defaults for sites without settings of their own', 'form-bridge' ) . '</h2>';
		echo '<form method="post" action="' . esc_url( network_admin_url( 'edit.php?action=form_bridge_network' ) ) . '">';
		wp_nonce_field( 'form_bridge_network' );
		$key  = (string) get_site_option( Form_Bridge_Settings::NETWORK_API_KEY, '' );
		$hint = '' === $key ? 'fbk_...' : substr( $key, 0, 8 ) . '…';
		echo '<table class="form-table" role="presentation"><tr><th scope="row"><label for="form-bridge-endpoint">' . esc_html__( 'Endpoint URL', 'form-bridge' ) . '</label></th><td><input type="url" class="regular-text" id="form-bridge-endpoint" name="endpoint" value="' . esc_attr( (string) get_site_option( Form_Bridge_Settings::NETWORK_ENDPOINT, '' ) ) . '" placeholder="https://forms.example.com"></td></tr>';
		echo '<tr><th scope="row"><label for="form-bridge-api-key">' . esc_html__( 'API key', 'form-bridge' ) . '</label></th><td><input type="password" class="regular-text" id="form-bridge-api-key" name="api_key" value="" autocomplete="off" placeholder="' . esc_attr( $hint ) . '"><p class="description">' . esc_html__( 'A site API key from the Form-Bridge portal. Leave empty to keep the saved one.', 'form-bridge' ) . '</p></td></tr></table>';
		submit_button( __( 'Save network defaults', 'form-bridge' ) );
		echo '</form>';

		$labels = array(
			'site'    => __( 'its own', 'form-bridge' ),
			'network' => __( 'network defaults', 'form-bridge' ),
			'none'    => __( 'not set up', 'form-bridge' ),
		);
		echo '<h2>' . esc_html__( 'Queues', 'form-bridge' ) . '</h2><table class="widefat striped" id="form-bridge-sites"><thead><tr><th>' . esc_html__( 'Site', 'form-bridge' ) . '</th><th>' . esc_html__( 'Settings', 'form-bridge' ) . '</th><th>' . esc_html__( 'Pending', 'form-bridge' ) . '</th><th>' . esc_html__( 'Failed', 'form-bridge' ) . '</th><th>' . esc_html__( 'Sent (last 7 days)', 'form-bridge' ) . '</th><th>' . esc_html__( 'Oldest pending', 'form-bridge' ) . '</th></tr></thead><tbody>';
		foreach ( self::sites() as $site ) {
			echo '<tr data-site="' . esc_attr( (string) $site['id'] ) . '"><td><a href="' . esc_url( get_admin_url( $site['id'], 'options-general.php?page=' . Form_Bridge_Admin::PAGE ) ) . '">' . esc_html( $site['name'] ) . '</a><br><small>' . esc_html( $site['url'] ) . '</small></td><td>' . esc_html( $labels[ $site['settings'] ] ) . '</td>';
			if ( null === $site['counts'] ) {
				echo '<td colspan="4">' . esc_html__( 'No queue yet (the plugin has not run on this site).', 'form-bridge' ) . '</td></tr>';
				continue;
			}
			$oldest = $site['backlog']['oldest_pending'];
			/* translators: %d: minutes. */
			$age = $site['counts'][ Form_Bridge_Queue::PENDING ] ? sprintf( __( '%d min', 'form-bridge' ), (int) floor( $oldest / MINUTE_IN_SECONDS ) ) : '—';
			echo '<td>' . esc_html( (string) $site['counts'][ Form_Bridge_Queue::PENDING ] ) . '</td><td>' . esc_html( (string) $site['counts'][ Form_Bridge_Queue::FAILED ] ) . '</td><td>' . esc_html( (string) $site['counts'][ Form_Bridge_Queue::SENT ] ) . '</td><td>' . esc_html( $age ) . '</td></tr>';
		}
		echo '</tbody></table></div>';
	}
}

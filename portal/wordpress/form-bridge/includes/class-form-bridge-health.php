<?php
/**
 * Site Health tests and the admin notice about sends that keep failing.
 *
 * @package FormBridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Tools → Site Health: the connection and key, the queue's backlog and its oldest entry, and
 * WP-Cron; a notice on every admin page while sends have failed for more than an hour.
 */
class Form_Bridge_Health {

	/** A pending entry older than this is a problem, not a blip. */
	const STALE_SECONDS = HOUR_IN_SECONDS;

	/** The queue's cron event this late means nothing runs WP-Cron. */
	const CRON_LATE_SECONDS = 15 * MINUTE_IN_SECONDS;

	/**
	 * Hooks the tests and the notice.
	 */
	public static function register(): void {
		add_filter( 'site_status_tests', array( __CLASS__, 'tests' ) );
		add_action( 'admin_notices', array( __CLASS__, 'notice' ) );
	}

	/**
	 * Adds the plugin's tests to Site Health.
	 *
	 * @param array $tests Tests by kind (direct, async).
	 */
	public static function tests( array $tests ): array {
		$tests['direct']['form_bridge_connection'] = array(
			'label' => __( 'Form-Bridge connection', 'form-bridge' ),
			'test'  => array( __CLASS__, 'test_connection' ),
		);
		$tests['direct']['form_bridge_queue']      = array(
			'label' => __( 'Form-Bridge queue', 'form-bridge' ),
			'test'  => array( __CLASS__, 'test_queue' ),
		);
		$tests['direct']['form_bridge_cron']       = array(
			'label' => __( 'Form-Bridge retries (WP-Cron)', 'form-bridge' ),
			'test'  => array( __CLASS__, 'test_cron' ),
		);
		return $tests;
	}

	/**
	 * One Site Health result.
	 *
	 * @param string $test        Test id.
	 * @param string $status      good, recommended or critical.
	 * @param string $label       Headline.
	 * @param string $description Plain text.
	 */
	private static function result( string $test, string $status, string $label, string $description ): array {
		return array(
			'label'       => $label,
			'status'      => $status,
			'badge'       => array(
				'label' => 'Form-Bridge',
				'color' => 'good' === $status ? 'blue' : ( 'critical' === $status ? 'red' : 'orange' ),
			),
			'description' => '<p>' . esc_html( $description ) . '</p>',
			'actions'     => 'good' === $status ? '' : '<p><a href="' . esc_url( admin_url( 'options-general.php?page=' . Form_Bridge_Admin::PAGE ) ) . '">' . esc_html__( 'Open Settings → Form-Bridge', 'form-bridge' ) . '</a></p>',
			'test'        => $test,
		);
	}

	/**
	 * The endpoint answers and knows the key.
	 */
	public static function test_connection(): array {
		if ( ! Form_Bridge_Settings::is_configured() ) {
			return self::result( 'form_bridge_connection', 'critical', __( 'Form-Bridge is not set up', 'form-bridge' ), __( 'Set the endpoint URL and the site API key: until then submissions wait in the queue.', 'form-bridge' ) );
		}
		$result = Form_Bridge_Client::test_connection();
		if ( 200 === $result['code'] && is_array( $result['data'] ) ) {
			/* translators: %s: the site's domain in Form-Bridge. */
			return self::result( 'form_bridge_connection', 'good', __( 'Form-Bridge accepts this site\'s key', 'form-bridge' ), sprintf( __( 'The key belongs to the site %s.', 'form-bridge' ), (string) ( $result['data']['domain'] ?? '' ) ) );
		}
		$detail = '' !== $result['error'] ? $result['error'] : 'HTTP ' . $result['code'] . ': ' . Form_Bridge_Client::problem_detail( $result['body'], $result['code'] );
		/* translators: %s: what went wrong. */
		return self::result( 'form_bridge_connection', 'critical', __( 'Form-Bridge cannot be reached or refuses the key', 'form-bridge' ), sprintf( __( 'Test connection failed: %s', 'form-bridge' ), $detail ) );
	}

	/**
	 * Nothing waits long: the backlog and its oldest pending entry.
	 */
	public static function test_queue(): array {
		$backlog = Form_Bridge_Queue::backlog();
		/* translators: 1: pending entries, 2: failed entries, 3: minutes the oldest pending entry has waited. */
		$summary = sprintf( __( 'Pending: %1$d, failed: %2$d, oldest pending entry waiting %3$d min.', 'form-bridge' ), $backlog['pending'], $backlog['failed'], (int) floor( $backlog['oldest_pending'] / MINUTE_IN_SECONDS ) );
		if ( $backlog['failed'] > 0 || $backlog['oldest_pending'] > self::STALE_SECONDS ) {
			return self::result( 'form_bridge_queue', 'critical', __( 'Form submissions are not reaching Form-Bridge', 'form-bridge' ), $summary );
		}
		if ( $backlog['pending'] > 0 ) {
			return self::result( 'form_bridge_queue', 'recommended', __( 'Form submissions are waiting to be sent', 'form-bridge' ), $summary );
		}
		return self::result( 'form_bridge_queue', 'good', __( 'Every form submission reached Form-Bridge', 'form-bridge' ), $summary );
	}

	/**
	 * Retries need WP-Cron: with DISABLE_WP_CRON, a system cron must call wp-cron.php.
	 */
	public static function test_cron(): array {
		$next = wp_next_scheduled( Form_Bridge_Sender::CRON_HOOK );
		$late = false !== $next && time() - (int) $next > self::CRON_LATE_SECONDS;
		if ( defined( 'DISABLE_WP_CRON' ) && DISABLE_WP_CRON && $late ) {
			return self::result( 'form_bridge_cron', 'critical', __( 'WP-Cron is disabled and no system cron runs it', 'form-bridge' ), __( 'DISABLE_WP_CRON is set and the queue\'s retries have not run for over 15 minutes: call wp-cron.php from a system cron every minute.', 'form-bridge' ) );
		}
		if ( $late ) {
			return self::result( 'form_bridge_cron', 'recommended', __( 'WP-Cron runs late', 'form-bridge' ), __( 'WP-Cron runs on page views: on a quiet site, call wp-cron.php from a system cron every minute.', 'form-bridge' ) );
		}
		return self::result( 'form_bridge_cron', 'good', __( 'WP-Cron runs the queue\'s retries', 'form-bridge' ), __( 'Retries run on time.', 'form-bridge' ) );
	}

	/**
	 * A notice on admin pages, for users who manage options, while sends have failed for over an hour.
	 */
	public static function notice(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		$backlog = Form_Bridge_Queue::backlog();
		if ( $backlog['failing_since'] <= self::STALE_SECONDS ) {
			return;
		}
		$count = $backlog['pending'] + $backlog['failed'];
		echo '<div class="notice notice-error" id="form-bridge-failing"><p>' . esc_html(
			sprintf(
				/* translators: %d: entries not sent. */
				_n( 'Form-Bridge has not been able to send %d form submission for more than an hour.', 'Form-Bridge has not been able to send %d form submissions for more than an hour.', $count, 'form-bridge' ),
				$count
			)
		) . ' <a href="' . esc_url( admin_url( 'options-general.php?page=' . Form_Bridge_Admin::PAGE ) ) . '">' . esc_html__( 'See what went wrong', 'form-bridge' ) . '</a></p></div>';
	}
}

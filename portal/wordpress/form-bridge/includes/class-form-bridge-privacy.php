<?php
/**
 * WordPress's personal data tools (Tools → Export / Erase Personal Data) for the queue.
 *
 * @package FormBridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * The queue holds what visitors typed until Form-Bridge has it (and sent rows for a week), and
 * copies of their files: a request for an e-mail address covers those rows and copies.
 */
class Form_Bridge_Privacy {

	const PER_PAGE = 50;

	/**
	 * Registers the exporter and the eraser.
	 */
	public static function register(): void {
		add_filter( 'wp_privacy_personal_data_exporters', array( __CLASS__, 'exporters' ) );
		add_filter( 'wp_privacy_personal_data_erasers', array( __CLASS__, 'erasers' ) );
	}

	/**
	 * Adds the exporter.
	 *
	 * @param array $exporters Registered exporters.
	 */
	public static function exporters( array $exporters ): array {
		$exporters['form-bridge'] = array(
			'exporter_friendly_name' => __( 'Form-Bridge queue', 'form-bridge' ),
			'callback'               => array( __CLASS__, 'export' ),
		);
		return $exporters;
	}

	/**
	 * Adds the eraser.
	 *
	 * @param array $erasers Registered erasers.
	 */
	public static function erasers( array $erasers ): array {
		$erasers['form-bridge'] = array(
			'eraser_friendly_name' => __( 'Form-Bridge queue', 'form-bridge' ),
			'callback'             => array( __CLASS__, 'erase' ),
		);
		return $erasers;
	}

	/**
	 * One page of the queue rows captured from this address: form, time, status, fields, file names.
	 *
	 * @param string $email Address.
	 * @param int    $page  1-based page.
	 */
	public static function export( $email, $page = 1 ): array {
		$rows  = Form_Bridge_Queue::for_email( (string) $email, self::PER_PAGE, ( max( 1, (int) $page ) - 1 ) * self::PER_PAGE );
		$items = array();
		foreach ( $rows as $row ) {
			$payload = json_decode( (string) $row['payload'], true );
			$data    = array(
				array(
					'name'  => __( 'Form', 'form-bridge' ),
					'value' => $row['form_id'],
				),
				array(
					'name'  => __( 'Captured (UTC)', 'form-bridge' ),
					'value' => $row['created_at'],
				),
				array(
					'name'  => __( 'Status', 'form-bridge' ),
					'value' => $row['status'],
				),
			);
			foreach ( (array) ( is_array( $payload ) ? ( $payload['fields'] ?? array() ) : array() ) as $name => $value ) {
				$data[] = array(
					'name'  => (string) $name,
					'value' => is_array( $value ) ? implode( ', ', array_map( 'strval', $value ) ) : (string) $value,
				);
			}
			foreach ( (array) json_decode( (string) $row['files'], true ) as $copy ) {
				$data[] = array(
					'name'  => (string) ( $copy['field'] ?? __( 'File', 'form-bridge' ) ),
					'value' => (string) ( $copy['name'] ?? '' ),
				);
			}
			$items[] = array(
				'group_id'    => 'form-bridge',
				'group_label' => __( 'Form submissions (Form-Bridge queue)', 'form-bridge' ),
				'item_id'     => 'form-bridge-' . $row['uuid'],
				'data'        => $data,
			);
		}
		return array(
			'data' => $items,
			'done' => count( $rows ) < self::PER_PAGE,
		);
	}

	/**
	 * Deletes the queue rows captured from this address and their file copies. Rows not yet sent
	 * are deleted too: the request is the visitor's wish, and Form-Bridge has its own tools.
	 *
	 * @param string $email Address.
	 * @param int    $page  Unused: each call deletes the first rows left.
	 */
	public static function erase( $email, $page = 1 ): array {
		$rows = Form_Bridge_Queue::for_email( (string) $email, self::PER_PAGE );
		foreach ( $rows as $row ) {
			Form_Bridge_Queue::delete( (int) $row['id'] );
		}
		return array(
			'items_removed'  => count( $rows ) > 0,
			'items_retained' => false,
			'messages'       => empty( $rows ) ? array() : array(
				/* translators: %d: queue entries. */
				sprintf( _n( 'Form-Bridge: %d queued submission and its files removed from this site.', 'Form-Bridge: %d queued submissions and their files removed from this site.', count( $rows ), 'form-bridge' ), count( $rows ) ),
			),
			'done'           => count( $rows ) < self::PER_PAGE,
		);
	}
}
